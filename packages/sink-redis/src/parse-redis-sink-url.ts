import { RedisSinkError } from './errors.js';

/** Where a Redis sink writes: what {@link parseRedisSinkUrl} makes of a `--sink` URL. */
export interface RedisSinkTarget {
  /** Host name or address (IPv6 without brackets). */
  readonly host: string;
  /** TCP port (default 6379). */
  readonly port: number;
  /** ACL user name, when the URL has one. */
  readonly username?: string;
  /** Password (`AUTH`), when the URL has one. */
  readonly password?: string;
  /** The key prefix: records go to the streams `KEY:0` … `KEY:{shards-1}`. */
  readonly key: string;
  /** How many streams the records are spread over (default {@link DEFAULT_SHARDS}). */
  readonly shards: number;
  /** Trim each shard to about this many entries (`XADD … MAXLEN ~ M`); none when undefined. */
  readonly maxlen?: number;
  /**
   * How long Redis may stay unreachable mid-run before the sink gives up, in ms (`?timeout=S`,
   * in seconds); the sink's default (30 s) when undefined.
   */
  readonly giveUpAfterMs?: number;
}

/** Shards when the URL does not say (`?shards=N`). */
export const DEFAULT_SHARDS = 16;

/** Most shards a URL may ask for: each is a stream a consumer group must read. */
export const MAX_SHARDS = 4096;

/** Longest `?timeout=` in seconds (a day): longer is a typo, not a plan. */
const MAX_TIMEOUT_S = 86_400;

const SYNTAX = 'redis://[user:pass@]HOST:PORT/KEY[?shards=N&maxlen=M&timeout=S]';

/**
 * Parses a sink URL, `redis://[user:pass@]HOST:PORT/KEY[?shards=N&maxlen=M&timeout=S]`: the
 * Redis server, its credentials (percent-encoded), the key prefix of the streams (`KEY:0` …
 * `KEY:{N-1}`), the shard count (default 16), an approximate length cap per shard, and how many
 * seconds Redis may stay unreachable mid-run before the sink gives up (default 30). The port
 * defaults to 6379; an IPv6 host is written in brackets (`redis://[::1]:6379/netrx`).
 *
 * Unlike the usual Redis URL, the path is the stream key, not a database number, so an all-digit
 * path is refused rather than silently used as a key name. Throws a {@link RedisSinkError}
 * `ERR_REDIS_SINK_URL` that says what is wrong and shows the syntax.
 *
 * @example
 * ```ts
 * parseRedisSinkUrl('redis://127.0.0.1:6379/netrx?shards=4&maxlen=100000');
 * // { host: '127.0.0.1', port: 6379, key: 'netrx', shards: 4, maxlen: 100000 }
 * ```
 */
export function parseRedisSinkUrl(text: string): RedisSinkTarget {
  const bad = (what: string): never => {
    throw new RedisSinkError('ERR_REDIS_SINK_URL', `--sink ${redactUrl(text)}: ${what}; write ${SYNTAX}`);
  };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return bad('not a URL (a bad port, or no scheme?)');
  }
  if (url.protocol !== 'redis:') bad(`the scheme must be redis:, not ${url.protocol}`);
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (host === '') bad('no host');
  const port = url.port === '' ? 6379 : Number(url.port);
  if (!(port >= 1 && port <= 65535)) bad('the port must be 1 to 65535');
  if (url.hash !== '') bad('a URL fragment (#…) means nothing here');
  const key = decode(url.pathname.slice(1), 'the key', bad);
  if (key === '') bad('no key: the path names the streams (redis://HOST:PORT/netrx writes netrx:0, netrx:1, …)');
  if (/^\d+$/.test(key)) bad(`the path is the stream key, not a database number as in other Redis URLs: "${key}" looks like one; name the key (redis://HOST:PORT/netrx)`);

  let shards = DEFAULT_SHARDS;
  let maxlen: number | undefined;
  let giveUpAfterMs: number | undefined;
  const seen = new Set<string>();
  for (const [name, value] of url.searchParams) {
    if (seen.has(name)) bad(`${name} is given twice`);
    seen.add(name);
    if (name === 'shards') shards = integer(name, value, 1, MAX_SHARDS, bad);
    else if (name === 'maxlen') maxlen = integer(name, value, 1, Number.MAX_SAFE_INTEGER, bad);
    else if (name === 'timeout') giveUpAfterMs = integer(name, value, 1, MAX_TIMEOUT_S, bad) * 1000;
    else bad(`unknown parameter "${name}" (known: shards, maxlen, timeout)`);
  }
  const username = url.username === '' ? undefined : decode(url.username, 'the user name', bad);
  const password = url.password === '' ? undefined : decode(url.password, 'the password', bad);
  return {
    host,
    port,
    key,
    shards,
    ...(maxlen === undefined ? {} : { maxlen }),
    ...(giveUpAfterMs === undefined ? {} : { giveUpAfterMs }),
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
  };
}

/** The URL of a target for messages, with the password hidden: `redis://user:***@host:6379/netrx`. */
export function formatRedisSinkTarget(t: RedisSinkTarget): string {
  const auth = t.username === undefined && t.password === undefined ? '' : `${t.username ?? ''}${t.password === undefined ? '' : ':***'}@`;
  const host = t.host.includes(':') ? `[${t.host}]` : t.host;
  const query = [
    t.shards === DEFAULT_SHARDS ? '' : `shards=${t.shards}`,
    t.maxlen === undefined ? '' : `maxlen=${t.maxlen}`,
    t.giveUpAfterMs === undefined ? '' : `timeout=${t.giveUpAfterMs / 1000}`,
  ]
    .filter(Boolean)
    .join('&');
  return `redis://${auth}${host}:${t.port}/${t.key}${query ? '?' + query : ''}`;
}

/** A URL as typed, with any password replaced by `***` (error messages must not print secrets). */
function redactUrl(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@/]*@/i, '$1***@');
}

function decode(s: string, what: string, bad: (what: string) => never): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return bad(`${what} has a malformed %-escape`);
  }
}

function integer(name: string, value: string, min: number, max: number, bad: (what: string) => never): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(n >= min && n <= max)) bad(`${name} must be a whole number from ${min} to ${max}, not "${value}"`);
  return n;
}
