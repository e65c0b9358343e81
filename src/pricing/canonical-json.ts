export * from '../kernel/canonical-json'; // moved to src/kernel; the coordinator removes this shim at merge
