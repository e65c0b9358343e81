import type { ConfigService } from '@nestjs/config';
import { parseAllowList, WebhookDestinationPolicy } from './destination-policy';

function policy(env: Record<string, string | undefined>, answers: Record<string, string[]> = {}): WebhookDestinationPolicy {
  const config = { get: (k: string) => env[k] } as unknown as ConfigService<never, true>;
  const p = new WebhookDestinationPolicy(config as never);
  p.resolve = async (host) => {
    const list = answers[host];
    if (!list) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return p;
}

describe('webhook destination policy', () => {
  const dev = policy({ NODE_ENV: 'development' }, { 'hooks.example.com': ['93.184.216.34'], 'split.example.com': ['93.184.216.34', '10.0.0.7'], 'v6.example.com': ['2606:4700::6810:84e5'] });

  it.each([
    ['http://127.0.0.1/x', 'loopback'],
    ['http://127.1.2.3/x', 'loopback'],
    ['http://0x7f.1/x', 'loopback'],
    ['http://2130706433/x', 'loopback'],
    ['http://10.1.2.3/x', 'private'],
    ['http://172.16.0.1/x', 'private'],
    ['http://192.168.1.1/x', 'private'],
    ['http://169.254.169.254/latest/meta-data', 'linkLocal'],
    ['http://100.64.0.1/x', 'carrierGradeNat'],
    ['http://100.100.100.200/x', 'carrierGradeNat'],
    ['http://224.0.0.1/x', 'multicast'],
    ['http://0.0.0.0/x', 'unspecified'],
    ['http://[::1]/x', 'loopback'],
    ['http://[::]/x', 'unspecified'],
    ['http://[fe80::1]/x', 'linkLocal'],
    ['http://[fd00:ec2::254]/x', 'uniqueLocal'],
    ['http://[::ffff:127.0.0.1]/x', 'ipv4Mapped'],
    ['http://[::ffff:169.254.169.254]/x', 'ipv4Mapped'],
    ['http://[64:ff9b::a00:1]/x', 'rfc6052'],
    ['http://[ff02::1]/x', 'multicast'],
  ])('refuses %s (%s)', async (url, range) => {
    expect(await dev.check(url)).toEqual({ allowed: false, reason: `url points at a non-public address (${range})` });
  });

  it.each(['http://localhost:8080/x', 'http://LOCALHOST./x', 'http://api.localhost/x', 'http://metadata.google.internal/computeMetadata/v1/', 'http://metadata/x'])(
    'refuses %s by its name, before any lookup',
    async (url) => {
      expect(await dev.check(url)).toEqual({ allowed: false, reason: 'url names the local host or a metadata service' });
    },
  );

  it('refuses a name with any non-public answer, a name that does not resolve, credentials and other schemes', async () => {
    expect(await dev.check('https://split.example.com/x')).toEqual({ allowed: false, reason: 'url’s host resolves to a non-public address (private)' });
    expect(await dev.check('https://nowhere.example.com/x')).toEqual({ allowed: false, reason: 'url’s host does not resolve' });
    expect(await dev.check('https://user:pw@hooks.example.com/x')).toEqual({ allowed: false, reason: 'url must not carry credentials' });
    expect(await dev.check('ftp://hooks.example.com/x')).toEqual({ allowed: false, reason: 'url must use http or https' });
  });

  it('allows public destinations and pins the address it checked', async () => {
    expect(await dev.check('https://hooks.example.com/x')).toEqual({ allowed: true, address: '93.184.216.34', family: 4 });
    expect(await dev.check('http://hooks.example.com:8080/x')).toEqual({ allowed: true, address: '93.184.216.34', family: 4 });
    expect(await dev.check('https://v6.example.com/x')).toEqual({ allowed: true, address: '2606:4700::6810:84e5', family: 6 });
    expect(await dev.check('https://93.184.216.34/x')).toEqual({ allowed: true, address: '93.184.216.34', family: 4 });
  });

  it('requires https in production', async () => {
    const prod = policy({ NODE_ENV: 'production' }, { 'hooks.example.com': ['93.184.216.34'] });
    expect(await prod.check('http://hooks.example.com/x')).toEqual({ allowed: false, reason: 'url must use https' });
    expect((await prod.check('https://hooks.example.com/x')).allowed).toBe(true);
  });

  it('lets the operator allow on-premise receivers by host name or network, and nothing else', async () => {
    const onPrem = policy({ NODE_ENV: 'production', WEBHOOK_ALLOWED_HOSTS: 'erp.corp.example, 10.20.0.0/16,[fd12::/16], 127.0.0.1' }, { 'erp.corp.example': ['10.99.0.5'], 'other.corp.example': ['10.99.0.6'] });
    expect(await onPrem.check('https://erp.corp.example/hook')).toEqual({ allowed: true, address: '10.99.0.5', family: 4 });
    expect(await onPrem.check('https://other.corp.example/hook')).toEqual({ allowed: false, reason: 'url’s host resolves to a non-public address (private)' });
    expect((await onPrem.check('https://10.20.3.4/hook')).allowed).toBe(true);
    expect((await onPrem.check('https://10.21.3.4/hook')).allowed).toBe(false);
    expect((await onPrem.check('https://[fd12::1]/hook')).allowed).toBe(true);
    expect((await onPrem.check('https://127.0.0.1/hook')).allowed).toBe(true);
    expect((await onPrem.check('https://127.0.0.2/hook')).allowed).toBe(false);
    expect((await onPrem.check('https://169.254.169.254/hook')).allowed).toBe(false);
  });

  it('refuses a malformed allow-list entry, naming it', () => {
    expect(() => parseAllowList('10.0.0.0/33')).toThrow('WEBHOOK_ALLOWED_HOSTS: 10.0.0.0/33 is not a CIDR like 10.20.0.0/16');
    expect(() => parseAllowList('erp corp')).toThrow('WEBHOOK_ALLOWED_HOSTS: erp corp is neither a host name, an IP address nor a CIDR');
    expect(parseAllowList(' , ').hosts.size).toBe(0);
  });
});
