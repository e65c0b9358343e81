/**
 * The one port where a KMS plugs in: something that wraps and unwraps data keys under a key
 * encryption key (KEK) it never hands out. The local implementation holds a master key in
 * memory (LocalMasterKey); a cloud KMS implementation would call its Encrypt/Decrypt API.
 */
export interface KeyEncryptionKey {
  /** Names the KEK in every envelope it wraps, so that a rotated KEK can still unwrap old ones. */
  readonly keyId: string;
  wrap(dataKey: Buffer): Promise<Buffer>;
  /** Refuses a `keyId` it does not hold, and any wrapped key that was changed. */
  unwrap(wrapped: Buffer, keyId: string): Promise<Buffer>;
}

export const KEY_ENCRYPTION_KEY = Symbol('KEY_ENCRYPTION_KEY');
