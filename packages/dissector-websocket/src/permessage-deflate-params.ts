import type { Diagnostic } from '@netrx/core';
import { parseExtensionList } from './websocket-extensions.js';
import { warning } from './websocket-validation.js';

/** permessage-deflate as a 101 response accepted it (RFC 7692 §7.1). */
export interface DeflateParams {
  /** `server_no_context_takeover`: the server resets its compressor per message (applies to s2c). */
  readonly serverNoContextTakeover: boolean;
  /** `client_no_context_takeover`: the client resets its compressor per message (applies to c2s). */
  readonly clientNoContextTakeover: boolean;
  /** `server_max_window_bits` (8-15), 15 when absent. */
  readonly serverMaxWindowBits: number;
  /** `client_max_window_bits` (8-15), 15 when absent. */
  readonly clientMaxWindowBits: number;
}

/** RFC 7692 §7.1.2: a window size in a response is a number from 8 to 15, written without leading zeros. */
const WINDOW_BITS = /^(8|9|1[0-5])$/;

/**
 * Reads the permessage-deflate parameters from the `Sec-WebSocket-Extensions` header(s) of a 101
 * response (the list grammar is {@link parseExtensionList}'s). Returns undefined params when the
 * server did not accept the extension. Syntax errors and wrong parameters become diagnostics
 * (RFC 6455 §9.1 and RFC 7692 §7.1: such a response fails the connection, but a dissector goes on
 * with what it can read).
 */
export function parsePerMessageDeflate(values: readonly string[]): { params?: DeflateParams; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  let params: DeflateParams | undefined;
  for (const value of values) {
    const list = parseExtensionList(value);
    for (const e of list.errors) {
      diagnostics.push(warning('WARN_WS_EXTENSION', `Sec-WebSocket-Extensions "${value}": ${e.message}, at character ${e.offset} (RFC 6455 §9.1)`));
    }
    for (const ext of list.extensions) {
      if (ext.name.toLowerCase() !== 'permessage-deflate') continue;
      if (params) {
        diagnostics.push(warning('WARN_WS_EXTENSION', 'permessage-deflate accepted twice in one response (RFC 7692 §5.1); the first is used'));
        continue;
      }
      let snct = false;
      let cnct = false;
      let smwb = 15;
      let cmwb = 15;
      for (const p of ext.params) {
        const key = p.name.toLowerCase();
        if (key === 'server_no_context_takeover') snct = true;
        else if (key === 'client_no_context_takeover') cnct = true;
        else if (key === 'server_max_window_bits' || key === 'client_max_window_bits') {
          if (p.value === undefined || !WINDOW_BITS.test(p.value)) {
            // §7.1.2: a response must give a value from 8 to 15.
            diagnostics.push(warning('WARN_WS_EXTENSION', `permessage-deflate ${key} needs a value from 8 to 15, not ${p.value ?? 'none'} (RFC 7692 §7.1.2)`));
          } else if (key === 'server_max_window_bits') smwb = Number(p.value);
          else cmwb = Number(p.value);
        } else {
          diagnostics.push(warning('WARN_WS_EXTENSION', `unknown permessage-deflate parameter "${key}" (RFC 7692 §7.1)`));
        }
      }
      params = { serverNoContextTakeover: snct, clientNoContextTakeover: cnct, serverMaxWindowBits: smwb, clientMaxWindowBits: cmwb };
    }
  }
  return { params, diagnostics };
}
