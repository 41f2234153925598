import type { TlsKeyStore } from './key-store.js';

/**
 * DI token of the pipeline's {@link TlsKeyStore} (a tsyringe injection token): a composition
 * root registers the store here, so the TLS plugin, the pcapng reader's secrets callback and an
 * application's own `'keylog'` listener share one.
 */
export const TlsKeyStoreToken: unique symbol = Symbol.for('netrx.TlsKeyStore');
