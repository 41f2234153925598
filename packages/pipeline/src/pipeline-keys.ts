import { NetrxError } from '@netrx/core';
import { KeyLogFile, type MemoryKeyStore, type TlsKeyStore } from '@netrx/dissector-tls';
import type { DecryptionSecrets, SecretsSink } from '@netrx/source-file';

/** A key store that reads key log text and refreshes attached files, as {@link MemoryKeyStore} does. */
type KeyLogStore = TlsKeyStore & Pick<MemoryKeyStore, 'addKeyLog' | 'attach'>;

/** A key store that reads pcapng Decryption Secrets Blocks, as {@link MemoryKeyStore} does. */
type SecretsStore = TlsKeyStore & Pick<MemoryKeyStore, 'addDecryptionSecrets'>;

function readsKeyLogs(store: TlsKeyStore): store is KeyLogStore {
  const s = store as Partial<KeyLogStore>;
  return typeof s.addKeyLog === 'function' && typeof s.attach === 'function';
}

function readsSecrets(store: TlsKeyStore): store is SecretsStore {
  return typeof (store as Partial<SecretsStore>).addDecryptionSecrets === 'function';
}

/**
 * Opens key log files (NSS format, `SSLKEYLOGFILE`) into `store`: each is read now and re-read as
 * it grows, whenever a lookup misses (see {@link KeyLogFile}). A file that does not exist yet is
 * read once it appears (a browser creates it when it makes its first connection); `exists` on the
 * result says which were there. Throws `ERR_INVALID_OPTION` when files are given and the store
 * cannot read key log text.
 */
export function openKeyLogs(paths: string | readonly string[] | undefined, store: TlsKeyStore): KeyLogFile[] {
  const list = paths === undefined ? [] : typeof paths === 'string' ? [paths] : paths;
  if (list.length === 0) return [];
  if (!readsKeyLogs(store)) {
    throw new NetrxError('ERR_INVALID_OPTION', 'keylog files need a key store that reads key log text (addKeyLog and attach, as MemoryKeyStore has); the store registered as Tokens.KeyStore does not');
  }
  return list.map((path) => new KeyLogFile(path, store));
}

/**
 * The `onSecrets` of a capture file read into `store`: the TLS key logs of pcapng Decryption
 * Secrets Blocks (written by `editcap --inject-secrets tls,keys.log`) go to the store, in file
 * order, before the packets after them; then to `next`, the caller's own sink, if any. A store
 * that does not read them gets nothing.
 */
export function secretsInto(store: TlsKeyStore, next: SecretsSink | undefined): SecretsSink | undefined {
  if (!readsSecrets(store)) return next;
  if (next === undefined) return (s: DecryptionSecrets) => void store.addDecryptionSecrets(s.type, s.data);
  return (s: DecryptionSecrets) => {
    store.addDecryptionSecrets(s.type, s.data);
    next(s);
  };
}
