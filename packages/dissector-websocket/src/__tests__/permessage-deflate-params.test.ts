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
});
