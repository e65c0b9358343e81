import fc from 'fast-check';
import { generateKeyPairSync, sign } from 'node:crypto';
import { ChainVerifier, entryHash, GENESIS_HASH, type ChainEntry } from './chain';
import { CHECKPOINT_FORMAT, checkpointPayload, checkpointSignatureValid, type LedgerCheckpoint, parseCheckpoint } from './checkpoint';
import { publicKeyFingerprint } from '../kernel/key-fingerprint';

const VENDOR = '01900000-0000-7000-8000-000000000001';
const pair = generateKeyPairSync('ed25519');
const pem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();

function chainOf(n: number): ChainEntry[] {
  const out: ChainEntry[] = [];
  let prev = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const content = {
      vendorId: VENDOR,
      sequence: String(i),
      kind: 'payment' as const,
      reference: { type: 'payment' as const, id: `p-${i}` },
      contractId: null,
      customerId: null,
      description: `payment ${i}`,
      effectiveAt: '2026-03-31',
      lines: [
        { account: 'cash', currency: 'CNY', debit: `${i}.00`, credit: null, memo: null },
        { account: 'receivable:c1', currency: 'CNY', debit: null, credit: `${i}.00`, memo: null },
      ],
    };
    const hash = entryHash(prev, content);
    out.push({ ...content, id: `e-${i}`, prevHash: prev, hash });
    prev = hash;
  }
  return out;
}

function signed(sequence: string, hash: string): LedgerCheckpoint {
  const unsigned = {
    format: CHECKPOINT_FORMAT,
    vendorId: VENDOR,
    sequence,
    hash,
    signedAt: '2026-04-01T00:00:00.000Z',
    keyId: '01900000-0000-7000-8000-0000000000f1',
    publicKeyFingerprint: publicKeyFingerprint(pair.publicKey),
    algorithm: 'Ed25519',
  } as const;
  return { ...unsigned, signature: sign(null, checkpointPayload(unsigned), pair.privateKey).toString('base64') };
}

const walk = (entries: ChainEntry[], ...checkpoints: Array<{ sequence: string; hash: string }>) => {
  const v = new ChainVerifier();
  for (const c of checkpoints) v.expect(c);
  for (const e of entries) if (v.push(e)) break;
  return v.report();
};

describe('ledger checkpoints', () => {
  const chain = chainOf(6);

  it('verify only with the key they name, over every field', () => {
    const c = signed('3', chain[2].hash);
    expect(checkpointSignatureValid(c, pem)).toBe(true);
    for (const field of ['sequence', 'hash', 'signedAt', 'vendorId'] as const) {
      const changed = { ...c, [field]: field === 'sequence' ? '4' : field === 'hash' ? chain[3].hash : field === 'signedAt' ? '2026-04-02T00:00:00.000Z' : VENDOR.replace('1', '2') };
      expect(checkpointSignatureValid(changed, pem)).toBe(false);
    }
    const other = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(checkpointSignatureValid(c, other)).toBe(false);
    expect(checkpointSignatureValid(c, 'not a key')).toBe(false);
  });

  it('parse names the first thing wrong and accepts what the service signs', () => {
    const c = signed('3', chain[2].hash);
    expect(parseCheckpoint(c)).toEqual({ checkpoint: c });
    expect(parseCheckpoint(null)).toEqual({ problem: 'a checkpoint is a JSON object' });
    expect(parseCheckpoint({ ...c, format: 'x' })).toEqual({ problem: `format must be ${CHECKPOINT_FORMAT}` });
    expect(parseCheckpoint({ ...c, sequence: '-1' })).toEqual({ problem: 'sequence must be a non-negative integer string' });
    expect(parseCheckpoint({ ...c, hash: c.hash.toUpperCase() })).toEqual({ problem: 'hash must be 64 lowercase hex digits' });
  });

  it('a chain extends every checkpoint of its own entries', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 4 }), (seqs) => {
        const cps = seqs.map((n) => ({ sequence: String(n), hash: n === 0 ? GENESIS_HASH : chain[n - 1].hash }));
        const r = walk(chain, ...cps);
        expect(r.ok).toBe(true);
        expect(r.checkpoints ?? 0).toBe(new Set(seqs).size);
      }),
    );
  });

  it('a consistently rewritten chain fails at the first checkpoint whose entry changed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), (rewriteAt, checkpointAt) => {
        // Rewrite entry `rewriteAt` and recompute every hash from there: the chain is internally valid.
        const forged: ChainEntry[] = [];
        let prev = GENESIS_HASH;
        for (const e of chain) {
          const content = { ...e, description: e.sequence === String(rewriteAt) ? 'rewritten' : e.description };
          const hash = Number(e.sequence) >= rewriteAt ? entryHash(prev, content) : e.hash;
          forged.push({ ...content, prevHash: prev, hash });
          prev = hash;
        }
        expect(walk(forged).ok).toBe(true);
        const r = walk(forged, { sequence: String(checkpointAt), hash: chain[checkpointAt - 1].hash });
        if (checkpointAt < rewriteAt) expect(r.ok).toBe(true);
        else expect(r.firstBroken).toEqual({ sequence: String(checkpointAt), entryId: `e-${checkpointAt}`, reason: 'checkpoint_mismatch' });
      }),
    );
  });

  it('a chain cut back before a checkpoint fails with checkpoint_beyond_head', () => {
    expect(walk(chain.slice(0, 3), { sequence: '5', hash: chain[4].hash }).firstBroken).toEqual({
      sequence: '5',
      entryId: null,
      reason: 'checkpoint_beyond_head',
    });
  });

  it('two checkpoints naming different hashes for one sequence cannot both hold', () => {
    const r = walk(chain, { sequence: '2', hash: chain[1].hash }, { sequence: '2', hash: chain[2].hash });
    expect(r.firstBroken?.reason).toBe('checkpoint_mismatch');
  });
});
