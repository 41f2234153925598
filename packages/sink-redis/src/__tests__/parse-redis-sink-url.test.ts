import { describe, expect, it } from 'vitest';
import { DEFAULT_SHARDS, RedisSinkError, RedisSinkErrorCodes, formatRedisSinkTarget, parseRedisSinkUrl } from '../index.js';

const fails = (url: string): RedisSinkError => {
  try {
    parseRedisSinkUrl(url);
  } catch (err) {
    expect(err).toBeInstanceOf(RedisSinkError);
    return err as RedisSinkError;
  }
  throw new Error(`${url} was accepted`);
};

describe('parseRedisSinkUrl', () => {
  it('reads host, port, key and the defaults', () => {
    expect(parseRedisSinkUrl('redis://127.0.0.1:6390/netrx')).toEqual({ host: '127.0.0.1', port: 6390, key: 'netrx', shards: DEFAULT_SHARDS });
    expect(parseRedisSinkUrl('redis://redis.example/netrx').port).toBe(6379);
  });

  it('reads credentials (percent-decoded), shards and maxlen', () => {
    expect(parseRedisSinkUrl('redis://ann:p%40ss%3Aword@h:1/cap%3Alive?shards=4&maxlen=100000')).toEqual({
      host: 'h',
      port: 1,
      username: 'ann',
      password: 'p@ss:word',
      key: 'cap:live',
      shards: 4,
      maxlen: 100000,
    });
    expect(parseRedisSinkUrl('redis://:secret@h:1/k')).toEqual({ host: 'h', port: 1, password: 'secret', key: 'k', shards: 16 });
  });

  it('reads timeout, in seconds, as how long Redis may be away mid-run', () => {
    const t = parseRedisSinkUrl('redis://h:1/k?timeout=5');
    expect(t.giveUpAfterMs).toBe(5000);
    expect(formatRedisSinkTarget(t)).toBe('redis://h:1/k?timeout=5');
    expect(parseRedisSinkUrl('redis://h:1/k').giveUpAfterMs).toBeUndefined();
  });

  it('takes an IPv6 host in brackets', () => {
    const t = parseRedisSinkUrl('redis://[::1]:6379/netrx?shards=1');
    expect(t.host).toBe('::1');
    expect(formatRedisSinkTarget(t)).toBe('redis://[::1]:6379/netrx?shards=1');
  });

  it('shows a target without its password', () => {
    expect(formatRedisSinkTarget(parseRedisSinkUrl('redis://ann:secret@h:1/k?maxlen=5'))).toBe('redis://ann:***@h:1/k?maxlen=5');
  });

  it.each([
    ['not a url', /not a URL/],
    ['http://h:1/k', /scheme must be redis:/],
    ['rediss://h:1/k', /scheme must be redis:/],
    ['redis://h:1', /no key/],
    ['redis://h:1/', /no key/],
    ['redis://h:1/0', /not a database number/],
    ['redis://h:99999/k', /not a URL|port/],
    ['redis://h:1/k?shards=0', /shards must be a whole number from 1 to 4096, not "0"/],
    ['redis://h:1/k?shards=5000', /shards must be/],
    ['redis://h:1/k?shards=2.5', /shards must be/],
    ['redis://h:1/k?maxlen=-3', /maxlen must be/],
    ['redis://h:1/k?maxlen=', /maxlen must be/],
    ['redis://h:1/k?shards=2&shards=3', /shards is given twice/],
    ['redis://h:1/k?stream=2', /unknown parameter "stream" \(known: shards, maxlen, timeout\)/],
    ['redis://h:1/k?timeout=0', /timeout must be a whole number from 1 to 86400, not "0"/],
    ['redis://h:1/k?timeout=1.5', /timeout must be/],
    ['redis://h:1/k#x', /fragment/],
    ['redis://h:1/%E0%A4%A', /malformed %-escape/],
  ])('refuses %s with ERR_REDIS_SINK_URL and the syntax', (url, why) => {
    const err = fails(url);
    expect(err.code).toBe('ERR_REDIS_SINK_URL');
    expect(err.message).toMatch(why);
    expect(err.message).toContain('redis://[user:pass@]HOST:PORT/KEY[?shards=N&maxlen=M&timeout=S]');
  });

  it('never prints a password in an error', () => {
    const err = fails('redis://ann:hunter2@h:1/k?nope=1');
    expect(err.message).not.toContain('hunter2');
    expect(err.message).toContain('ann:***@');
  });

  it('has every code it throws in the catalogue', () => {
    expect(Object.keys(RedisSinkErrorCodes)).toContain(fails('x').code);
  });
});
