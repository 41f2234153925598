// The connections: one row each (client, server, path, subprotocol, extensions, TLS, state,
// opened and closed, close code and reason, messages and bytes per direction); a click selects a
// connection's messages (Ctrl or Shift adds to the selection). The selected connections' HTTP
// handshakes (request and response headers, failed upgrades too) are shown below the list.
import { html } from './html.js';
import { VirtualList } from './virtual-list.js';
import { count, fullTime, parseTs, size, timeOfDay } from './format.js';

const ROW = 22;

function when(ts) {
  if (!ts) return '';
  const [s, ns] = parseTs(ts);
  return timeOfDay(s, ns).slice(0, 12);
}

function stateText(c) {
  if (c.state === 'closed' && c.tcpClose && c.tcpClose !== 'fin') return `closed (${c.tcpClose})`;
  if (c.tcpClose === 'end' && c.state !== 'closed') return `${c.state} at end of capture`;
  return c.state;
}

export function ConnectionList({ model, ids }) {
  const sel = model.filter.conns;
  const row = (i, style) => {
    const c = model.conns.get(ids[i]);
    const onClick = (e) => model.toggleConnection(c.id, e.ctrlKey || e.metaKey || e.shiftKey);
    return html`<div key=${c.id} class="crow ${sel.has(c.id) ? 'selected' : ''} state-${c.state}" style=${style} onClick=${onClick} role="row" data-conn=${c.id}>
      <span class="c-id">#${c.id}</span>
      <span class="c-ep" title=${c.client}>${c.client}</span>
      <span class="c-ep" title=${c.server}>${c.server}</span>
      <span class="c-path" title=${c.path ?? ''}>${c.path ?? (c.midstream ? '(no handshake)' : '')}</span>
      <span class="c-proto" title=${c.protocol ?? ''}>${c.protocol ?? ''}</span>
      <span class="c-ext" title=${c.extensions ?? ''}>${c.extensions ?? ''}</span>
      <span class="c-tls">${c.tls ? 'TLS' : ''}</span>
      <span class="c-state">${stateText(c)}</span>
      <span class="c-time">${when(c.opened)}</span>
      <span class="c-time">${when(c.closed)}</span>
      <span class="c-close" title=${c.closeReason ?? ''}>${c.closeCode !== undefined ? `${c.closeCode} ${c.closeReason ?? ''}` : ''}</span>
      <span class="c-num">${count(c.messages.c2s)} / ${count(c.messages.s2c)}</span>
      <span class="c-bytes">${size(c.bytes.c2s)} / ${size(c.bytes.s2c)}</span>
    </div>`;
  };
  return html`<section class="connections" aria-label="connections">
    <div class="crow chead" role="row">
      <span class="c-id">conn</span><span class="c-ep">client</span><span class="c-ep">server</span><span class="c-path">path</span>
      <span class="c-proto">subprotocol</span><span class="c-ext">extensions</span><span class="c-tls">TLS</span><span class="c-state">state</span>
      <span class="c-time">opened</span><span class="c-time">closed</span><span class="c-close">close</span>
      <span class="c-num">msgs → / ←</span><span class="c-bytes">bytes → / ←</span>
    </div>
    <${VirtualList} count=${ids.length} rowHeight=${ROW} row=${row} className="clist" label="connections" />
  </section>`;
}

/** The handshakes of the selected connections (the first few). */
export function Handshakes({ model }) {
  const ids = [...model.filter.conns].slice(0, 4);
  if (ids.length === 0) return null;
  return html`<section class="handshakes">
    ${ids.map((id) => {
      const c = model.conns.get(id);
      if (!c) return null;
      return html`<div class="handshake" key=${id}>
        <h3>#${c.id} ${c.client} → ${c.server} <span class="state-${c.state}">${stateText(c)}</span>
          <a class="har" href=${`api/connections/${c.id}/har`} download=${`netrx-connection-${c.id}.har`}>HAR</a></h3>
        ${c.midstream ? html`<p class="muted">No handshake captured: the capture started after the connection opened.</p>` : null}
        ${c.request ? headers('request', c.request) : null}
        ${c.response ? headers('response', c.response) : c.request ? html`<p class="muted">no response captured</p>` : null}
        ${c.errors ? html`<ul class="warnings">${c.errors.map((e) => html`<li><code>${e.code}</code> ${e.message}</li>`)}</ul>` : null}
      </div>`;
    })}
  </section>`;
}

function headers(what, h) {
  const [s, ns] = parseTs(h.ts);
  return html`<div class="http ${what}">
    <div class="start-line">${h.startLine} <span class="muted">${fullTime(s, ns)}</span></div>
    <table class="headers"><tbody>${h.headers.map(([n, v]) => html`<tr><th>${n}</th><td>${v}</td></tr>`)}</tbody></table>
  </div>`;
}
