import { ConfigInvalidError, validateConfig } from './app-config';

describe('configuration validated at start', () => {
  it('accepts the defaults and converts numbers and booleans from strings', () => {
    const c = validateConfig({ PORT: '8080', SEED_DEMO: 'true', RATE_LIMIT_PER_MINUTE: '0' });
    expect(c.PORT).toBe(8080);
    expect(c.SEED_DEMO).toBe(true);
    expect(c.RATE_LIMIT_PER_MINUTE).toBe(0);
    expect(c.DATA_DIR).toBe('./.data');
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://root@localhost/db' }, 'DATABASE_URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ BODY_LIMIT: 'huge' }, 'BODY_LIMIT'],
  ])('stops the start on %j with a message naming %s', (env, name) => {
    expect(() => validateConfig(env)).toThrow(ConfigInvalidError);
    expect(() => validateConfig(env)).toThrow(new RegExp(`${name}:`));
  });
});
