import type { StreamContext, StreamDissector, StreamDissectorFactory } from '@netrx/core';
import type { InnerDispatch, TlsConnection, TlsInfo } from './types.js';

/** The dispatch of a plaintext no dissector reads: its bytes are dropped. */
const skip: StreamDissector = { data() {}, gap() {}, end() {} };

function noSwitch(): never {
  // The dispatch is the context of the dissector it runs and applies its switches itself.
  throw new Error('the TLS plaintext context is never switched');
}

/**
 * Opens the decrypted byte stream of a TLS connection for the next dissector: its connection is
 * the TCP connection with `via.tls` set to `info` (after what the TCP connection already came
 * through), so every event built from the plaintext says it came through TLS; its events go out
 * through the TLS connection's context. ALPN picks the dissector from the `tls.alpn` table when
 * it names one (`dispatch` gets it as the preferred choice); a protocol ALPN named that no
 * dissector reads (h2…) is not handed on at all, since guessing by heuristics could only take it
 * for something it is not.
 *
 * @internal
 */
export function openPlaintext(outer: StreamContext, info: TlsInfo, alpn: string | undefined, dispatch: InnerDispatch): StreamDissector {
  const c = outer.connection;
  const connection: TlsConnection = { ...c, via: { ...c.via, tls: info } };
  const registry = outer.registry;
  let preferred: StreamDissectorFactory | undefined;
  if (alpn !== undefined) {
    preferred = registry.hasTable('tls.alpn') ? registry.table('tls.alpn').get(alpn) : undefined;
    if (preferred === undefined) return skip;
  }
  const ctx: StreamContext = { connection, registry, emit: (e) => outer.emit(e), switchTo: noSwitch };
  return dispatch(ctx, preferred);
}
