/**
 * The NSS key log labels this package uses (the `SSLKEYLOGFILE` format,
 * https://firefox-source-docs.mozilla.org/security/nss/legacy/key_log_format/): the TLS 1.2
 * master secret, and the TLS 1.3 handshake and first application traffic secrets of each side.
 * Later application secrets (`*_TRAFFIC_SECRET_N` some stacks log after a KeyUpdate) are derived
 * from `_0`, not read.
 */
export const KEY_LOG_LABELS = [
  'CLIENT_RANDOM',
  'CLIENT_HANDSHAKE_TRAFFIC_SECRET',
  'SERVER_HANDSHAKE_TRAFFIC_SECRET',
  'CLIENT_TRAFFIC_SECRET_0',
  'SERVER_TRAFFIC_SECRET_0',
] as const;

/** One of {@link KEY_LOG_LABELS}. */
export type KeyLogLabel = (typeof KEY_LOG_LABELS)[number];

/** One key log line this package uses. */
export interface KeyLogEntry {
  readonly label: KeyLogLabel;
  /** The 32-byte client random that ties the line to its connection, as lower-case hex. */
  readonly clientRandom: string;
  /** The secret (48 bytes for a master secret; the suite's hash length for TLS 1.3 secrets). */
  readonly secret: Uint8Array;
}

const known: ReadonlySet<string> = new Set(KEY_LOG_LABELS);
const HEX = /^[0-9a-fA-F]+$/;

/**
 * Reads one line of an NSS key log: a {@link KeyLogEntry}, `'ignored'` for blank lines, comments
 * (`#`) and labels this package does not use (`EXPORTER_SECRET`, `CLIENT_EARLY_TRAFFIC_SECRET`,
 * `RSA`…), or `'malformed'` for a line of a used label whose fields are not hex of the right size.
 */
export function parseKeyLogLine(line: string): KeyLogEntry | 'ignored' | 'malformed' {
  const s = line.trim();
  if (s === '' || s.startsWith('#')) return 'ignored';
  const parts = s.split(/\s+/);
  const label = parts[0]!;
  if (!known.has(label)) return 'ignored';
  if (parts.length !== 3) return 'malformed';
  const random = parts[1]!;
  const secret = parts[2]!;
  if (random.length !== 64 || !HEX.test(random)) return 'malformed';
  if (secret.length % 2 !== 0 || secret.length < 32 || secret.length > 128 || !HEX.test(secret)) return 'malformed';
  if (label === 'CLIENT_RANDOM' && secret.length !== 96) return 'malformed';
  return { label: label as KeyLogLabel, clientRandom: random.toLowerCase(), secret: Uint8Array.from(Buffer.from(secret, 'hex')) };
}

/** What reading a key log text gave. */
export interface KeyLogCounts {
  /** Lines of a used label, read. */
  readonly used: number;
  /** Blank lines, comments and lines of labels not used. */
  readonly ignored: number;
  /** Lines of a used label that could not be read. */
  readonly malformed: number;
}

/** Reads every line of a key log text, passing each entry to `add`. */
export function parseKeyLog(text: string, add: (entry: KeyLogEntry) => void): KeyLogCounts {
  let used = 0;
  let ignored = 0;
  let malformed = 0;
  for (const line of text.split('\n')) {
    const e = parseKeyLogLine(line);
    if (e === 'ignored') ignored++;
    else if (e === 'malformed') malformed++;
    else {
      used++;
      add(e);
    }
  }
  return { used, ignored, malformed };
}
