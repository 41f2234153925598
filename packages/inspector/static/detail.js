// The selected message: when, where, what; its payload as text, JSON (pretty and foldable), or a
// hex dump and base64; close code and reason; warnings. A capped preview is replaced by the whole
// message, fetched from the server when the message is selected.
import { useEffect, useState } from 'preact/hooks';
import { html } from './html.js';
import { JsonTree } from './json-tree.js';
import { base64, fullTime, hexDump, hexToBytes, size } from './format.js';
import { F, KINDS } from './message-store.js';

/** Most characters of text (and of base64) shown; the export has everything. */
const MAX_TEXT = 1024 * 1024;

export function Detail({ model, seq }) {
  const s = model.store;
  const i = seq < 0 ? -1 : s.indexOf(seq);
  const [full, setFull] = useState(null);
  const capped = i >= 0 && (s.flags[i] & F.CAPPED) !== 0;
  useEffect(() => {
    setFull(null);
    if (!capped) return;
    let live = true;
    fetch(`api/messages/${seq}`)
      .then((r) => (r.ok ? r.json() : { error: r.status === 410 ? 'evicted from the server’s memory' : `HTTP ${r.status}` }))
      .then((m) => live && setFull(m))
      .catch((e) => live && setFull({ error: String(e) }));
    return () => {
      live = false;
    };
  }, [seq, capped]);

  if (i < 0) return html`<div class="detail empty">Select a message to see it whole.</div>`;
  const x = s.extra.get(seq) ?? {};
  const m = full && !full.error ? full : null;
  const kind = KINDS[s.kind[i]];
  const payload = m ? (m.text ?? m.hex ?? '') : s.payload[i];
  const c = model.conns.get(s.conn[i]);
  const warnings = (m ? m.warnings : x.warnings) ?? [];
  const code = m ? m.code : x.code;
  const reason = m ? m.reason : x.reason;
  const undecodable = m ? m.undecodable : x.undecodable;
  const flags = s.flags[i];
  return html`<div class="detail">
    <h2>${kind} message <span class="muted">#${s.conn[i]} ${s.dir[i] === 0 ? '→ to server' : '← to client'}</span></h2>
    <dl class="facts">
      <dt>time</dt><dd>${fullTime(s.sec[i], s.ns[i])}</dd>
      <dt>connection</dt><dd>#${s.conn[i]} ${c ? `${c.client} ${s.dir[i] === 0 ? '→' : '←'} ${c.server}${c.path ? ` ${c.path}` : ''}` : ''}</dd>
      <dt>size</dt><dd>${size(s.len[i])}${s.len[i] >= 10_000 ? ` (${s.len[i]} B)` : ''}</dd>
      <dt>framing</dt><dd>${s.frames[i]} frame${s.frames[i] === 1 ? '' : 's'}${flags & F.COMPRESSED ? ', compressed (permessage-deflate)' : ''}</dd>
      ${code !== undefined ? html`<dt>close</dt><dd class="close-code">${code} ${reason ?? ''}</dd>` : null}
      ${undecodable !== undefined ? html`<dt>undecodable</dt><dd class="bad">${undecodable}</dd>` : null}
      ${flags & F.PARTIAL ? html`<dt>partial</dt><dd class="bad">${(m ?? x).unknownBytes ?? '?'} bytes could not be recovered</dd>` : null}
      ${(m ?? x).tls ? html`<dt>TLS</dt><dd>${JSON.stringify((m ?? x).tls)}</dd>` : null}
    </dl>
    ${warnings.length > 0 ? html`<ul class="warnings">${warnings.map((w) => html`<li><code>${w.code}</code> ${w.message}${w.offset !== undefined ? ` (offset ${w.offset})` : ''}</li>`)}</ul>` : null}
    ${capped && !m ? html`<p class="note">${full?.error ? `Only a preview: ${full.error}.` : `Loading the whole message (${size(s.len[i])})…`}</p>` : null}
    ${undecodable === undefined ? html`<${Payload} kind=${kind} payload=${payload} key=${`${seq}:${m ? 'full' : 'preview'}`} />` : null}
    ${(m ?? x).decoded !== undefined ? html`<h3>decoded</h3><${JsonTree} value=${(m ?? x).decoded} />` : null}
  </div>`;
}

function Payload({ kind, payload }) {
  if (kind === 'text') {
    let json;
    const t = payload.trimStart();
    if (t.startsWith('{') || t.startsWith('[')) {
      try {
        json = { value: JSON.parse(payload) };
      } catch {
        json = undefined;
      }
    }
    return html`<div class="payload">
      ${json ? html`<h3>JSON</h3><${JsonTree} value=${json.value} />` : null}
      <h3>text <span class="muted">${payload.length} characters</span></h3>
      <pre class="text">${payload.length > MAX_TEXT ? payload.slice(0, MAX_TEXT) + '…' : payload}</pre>
    </div>`;
  }
  const bytes = hexToBytes(payload);
  if (bytes.length === 0) return html`<p class="muted">no payload</p>`;
  const b64 = base64(bytes);
  return html`<div class="payload">
    <h3>hex <span class="muted">${bytes.length} bytes</span></h3>
    <pre class="hexdump">${hexDump(bytes)}${bytes.length > 65536 ? '\n…' : ''}</pre>
    <h3>base64</h3>
    <pre class="base64">${b64.length > MAX_TEXT ? b64.slice(0, MAX_TEXT) + '…' : b64}</pre>
  </div>`;
}
