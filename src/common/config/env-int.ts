/**
 * A whole-number setting read from the environment where a service reads it at start (the queue,
 * the sweeps): `fallback` when unset, not a plain number, or above `max`; then at least `min`.
 * AppConfig validates the same variables at boot, so a bad value has already stopped the service.
 */
export function envInt(name: string, fallback: number, opts: { min?: number; max?: number } = {}): number {
  const raw = process.env[name];
  const n = raw !== undefined && /^\d{1,9}$/.test(raw) && Number(raw) <= (opts.max ?? Infinity) ? Number(raw) : fallback;
  return Math.max(opts.min ?? 0, n);
}
