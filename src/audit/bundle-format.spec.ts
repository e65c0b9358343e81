import { generateKeyPairSync, createHash } from 'node:crypto';
import { csvLine, publicKeyFingerprint } from './bundle-format';

describe('evidence bundle format', () => {
  it('quotes CSV fields that hold commas, quotes or line breaks, and leaves the rest bare', () => {
    expect(csvLine(['a', 'b,c', 'say "hi"', 'two\nlines', null, ''])).toBe('a,"b,c","say ""hi""","two\nlines",,\n');
  });

  it('names a key by the SHA-256 of its DER public key, whether given as PEM or as a key object', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const expected = createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
    expect(publicKeyFingerprint(pem)).toBe(expected);
    expect(publicKeyFingerprint(publicKey)).toBe(expected);
  });
});
