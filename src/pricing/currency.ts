export * from '../kernel/currency'; // moved to src/kernel; the coordinator removes this shim at merge
