import { parseKeyLog, type KeyLogCounts, type KeyLogEntry, type KeyLogLabel } from './keylog.js';

/** The secrets known for one connection, by its client random. */
export interface TlsSessionSecrets {
  /** TLS 1.2: the master secret (`CLIENT_RANDOM`). */
  readonly masterSecret?: Uint8Array;
  /** TLS 1.3: `CLIENT_HANDSHAKE_TRAFFIC_SECRET`. */
  readonly clientHandshakeTrafficSecret?: Uint8Array;
  /** TLS 1.3: `SERVER_HANDSHAKE_TRAFFIC_SECRET`. */
  readonly serverHandshakeTrafficSecret?: Uint8Array;
  /** TLS 1.3: `CLIENT_TRAFFIC_SECRET_0`. */
  readonly clientTrafficSecret0?: Uint8Array;
  /** TLS 1.3: `SERVER_TRAFFIC_SECRET_0`. */
  readonly serverTrafficSecret0?: Uint8Array;
}

/**
 * Where the TLS dissector finds the secrets of a connection: a service an application provides
 * (a key log file, pcapng Decryption Secrets Blocks, Node's `'keylog'` events, its own vault).
 * `get` is asked when a connection's keys are first needed, and again for each record while they
 * are missing (the connection's records are held meanwhile), so it must be cheap and may learn
 * new keys between calls.
 */
export interface TlsKeyStore {
  /** The secrets known for this 32-byte client random, or undefined. */
  get(clientRandom: Uint8Array): TlsSessionSecrets | undefined;
}

/** Something a {@link MemoryKeyStore} asks for more keys at each lookup (a growing key log file). */
export interface TlsKeySource {
  /** Reads what is new, adding it to the store; cheap when nothing changed. */
  refresh(): void;
}

const FIELD: Record<KeyLogLabel, keyof TlsSessionSecrets> = {
  CLIENT_RANDOM: 'masterSecret',
  CLIENT_HANDSHAKE_TRAFFIC_SECRET: 'clientHandshakeTrafficSecret',
  SERVER_HANDSHAKE_TRAFFIC_SECRET: 'serverHandshakeTrafficSecret',
  CLIENT_TRAFFIC_SECRET_0: 'clientTrafficSecret0',
  SERVER_TRAFFIC_SECRET_0: 'serverTrafficSecret0',
};

/** pcapng Decryption Secrets Block secrets type of a TLS key log, `TLSK` (pcapng spec §4.7). */
export const SECRETS_TYPE_TLS_KEY_LOG = 0x544c534b;

const decoder = new TextDecoder();

/**
 * An in-memory {@link TlsKeyStore}: fed key log text, single lines, Decryption Secrets Block
 * contents, or secrets one by one (from Node's `tls` `'keylog'` events), and asked by the TLS
 * dissector. Sources attached with {@link MemoryKeyStore.attach} are refreshed at each lookup.
 *
 * @example
 * ```ts
 * import tls from 'node:tls';
 * const keys = new MemoryKeyStore();
 * const socket = tls.connect({ host: 'example.org', port: 443 });
 * socket.on('keylog', (line) => keys.addKeyLog(line.toString()));
 * ```
 */
export class MemoryKeyStore implements TlsKeyStore {
  private readonly byRandom = new Map<string, TlsSessionSecrets>();
  private readonly sources: TlsKeySource[] = [];

  /** Number of client randoms with at least one secret. */
  get size(): number {
    return this.byRandom.size;
  }

  /** Adds one secret. A later secret of the same label and client random replaces the earlier. */
  add(entry: KeyLogEntry): void {
    const prev = this.byRandom.get(entry.clientRandom);
    this.byRandom.set(entry.clientRandom, { ...prev, [FIELD[entry.label]]: entry.secret });
  }

  /** Adds every used line of a key log text (NSS format); returns what was read. */
  addKeyLog(text: string): KeyLogCounts {
    return parseKeyLog(text, (e) => this.add(e));
  }

  /**
   * Adds the contents of a pcapng Decryption Secrets Block: a TLS key log (`TLSK`) is read,
   * other secrets types are not for TLS. Returns what was read, or undefined for other types.
   */
  addDecryptionSecrets(secretsType: number, data: Uint8Array): KeyLogCounts | undefined {
    if (secretsType !== SECRETS_TYPE_TLS_KEY_LOG) return undefined;
    return this.addKeyLog(decoder.decode(data));
  }

  /** Attaches a source refreshed at each lookup (see {@link TlsKeySource}). */
  attach(source: TlsKeySource): this {
    this.sources.push(source);
    return this;
  }

  /**
   * The secrets known for `clientRandom`, after refreshing the attached sources. They are
   * refreshed even when some secrets are known: a key log being written may so far hold only
   * the first of a connection's lines (TLS 1.3 logs four), and the caller asks again only while
   * what it needs is missing.
   */
  get(clientRandom: Uint8Array): TlsSessionSecrets | undefined {
    for (const s of this.sources) s.refresh();
    return this.byRandom.get(Buffer.from(clientRandom.buffer, clientRandom.byteOffset, clientRandom.byteLength).toString('hex'));
  }
}
