// The pricing engine's version, recorded in every trace. The standalone verifier
// (packages/verify, published as @outcome-ledger/verify) carries the same release number, so a
// bundle names the exact verifier that recomputes its invoices. Change it only with a deliberate
// change of the engine's results (and its golden files), and bump packages/verify/package.json with it.
export const ENGINE_VERSION = 'outcome-ledger-pricing/1.0.0';

/** The npm package that recomputes traces of this engine offline. */
export const VERIFIER_PACKAGE = '@outcome-ledger/verify';

/** The release number of an engine version ("outcome-ledger-pricing/1.0.0" → "1.0.0"): the verifier package's version. */
export function engineRelease(engineVersion: string): string {
  return engineVersion.slice(engineVersion.lastIndexOf('/') + 1);
}
