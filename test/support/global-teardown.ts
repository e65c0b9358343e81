export default async function globalTeardown(): Promise<void> {
  const stop = (globalThis as any).__OL_STOP_PG__ as (() => Promise<void>) | null;
  if (stop) await stop();
}
