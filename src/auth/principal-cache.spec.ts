import { PrincipalCache } from './principal-cache';
import type { Principal } from './principal';

const principal = (keyId: string): Principal => ({ vendorId: 'v', keyId, role: 'vendor_admin', customerId: null, contractIds: null, verifierId: null });

describe('PrincipalCache', () => {
  let clock = 0;
  const now = () => clock;
  beforeEach(() => (clock = 1_000));

  it('answers a resolved key within its lifetime and forgets it after', () => {
    const cache = new PrincipalCache(2_000, 10, now);
    cache.set('h1', principal('k1'));
    clock += 1_999;
    expect(cache.get('h1')?.keyId).toBe('k1');
    clock += 1;
    expect(cache.get('h1')).toBeUndefined();
  });

  it('forgets a revoked key at once, and keeps the others', () => {
    const cache = new PrincipalCache(60_000, 10, now);
    cache.set('h1', principal('k1'));
    cache.set('h2', principal('k2'));
    cache.forgetKey('k1');
    expect(cache.get('h1')).toBeUndefined();
    expect(cache.get('h2')?.keyId).toBe('k2');
  });

  it('holds at most its bound, dropping the oldest, and caches nothing with a lifetime of 0', () => {
    const cache = new PrincipalCache(60_000, 2, now);
    cache.set('h1', principal('k1'));
    cache.set('h2', principal('k2'));
    cache.set('h3', principal('k3'));
    expect([cache.get('h1'), cache.get('h2')?.keyId, cache.get('h3')?.keyId]).toEqual([undefined, 'k2', 'k3']);
    const off = new PrincipalCache(0, 10, now);
    off.set('h1', principal('k1'));
    expect(off.get('h1')).toBeUndefined();
  });
});
