import { describe, expect, it } from 'vitest';
import { parsePerMessageDeflate } from '../permessage-deflate-params.js';

describe('parsePerMessageDeflate', () => {
  it('reads the parameters a 101 response accepted', () => {
    expect(parsePerMessageDeflate(['permessage-deflate'])).toEqual({
      params: { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 },
      diagnostics: [],
    });
    expect(parsePerMessageDeflate(['x-webkit-foo, permessage-deflate; server_no_context_takeover; client_max_window_bits="10"; server_max_window_bits=12; client_no_context_takeover']).params).toEqual({
      serverNoContextTakeover: true,
      clientNoContextTakeover: true,
      serverMaxWindowBits: 12,
      clientMaxWindowBits: 10,
    });
  });

  it('is absent when the server did not accept it, and reports malformed parameters', () => {
    expect(parsePerMessageDeflate([]).params).toBeUndefined();
    expect(parsePerMessageDeflate(['x-kaazing-idle-timeout']).params).toBeUndefined();
    const bad = parsePerMessageDeflate(['permessage-deflate; client_max_window_bits=16; foo']);
    expect(bad.params?.clientMaxWindowBits).toBe(15);
    expect(bad.diagnostics.map((d) => d.code)).toEqual(['WARN_WS_EXTENSION', 'WARN_WS_EXTENSION']);
  });

  it('reads the parameters of a header split over several fields, the extension name in any case', () => {
    const r = parsePerMessageDeflate(['x-foo', 'Permessage-Deflate; Server_No_Context_Takeover', 'permessage-deflate']);
    expect(r.params).toEqual({ serverNoContextTakeover: true, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 });
    expect(r.diagnostics.map((d) => d.message)).toEqual(['permessage-deflate accepted twice in one response (RFC 7692 §5.1); the first is used']);
  });

  it('reports a malformed header (RFC 6455 §9.1) and still sees permessage-deflate accepted', () => {
    const r = parsePerMessageDeflate(['permessage-deflate; client_max_window_bits="1 0"; server_no_context_takeover x']);
    expect(r.params).toEqual({ serverNoContextTakeover: true, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 });
    expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['WARN_WS_EXTENSION', expect.stringMatching(/client_max_window_bits must be a token once unquoted, not "1 0", at character 43/)],
      ['WARN_WS_EXTENSION', expect.stringMatching(/expected ";" or "," found "x", at character 77/)],
    ]);
    // A quoted value is read as the token inside it; a value-less window size is an error (§7.1.2.2).
    const q = parsePerMessageDeflate(['permessage-deflate; server_max_window_bits="9"; client_max_window_bits']);
    expect(q.params?.serverMaxWindowBits).toBe(9);
    expect(q.diagnostics.map((d) => d.message)).toEqual(['permessage-deflate client_max_window_bits needs a value from 8 to 15, not none (RFC 7692 §7.1.2)']);
    expect(parsePerMessageDeflate(['"permessage-deflate"'])).toEqual({ params: undefined, diagnostics: [expect.objectContaining({ code: 'WARN_WS_EXTENSION' })] });
  });
});
