// The netrx inspector page: connections, messages (virtualised, filtered), the selected message
// in detail, a timeline, pause, export. Live over server-sent events.
import { render } from 'preact';
import { useEffect, useReducer, useRef, useState } from 'preact/hooks';
import { html } from './html.js';
import { Model, connectFeed } from './model.js';
import { F, KINDS } from './message-store.js';
import { VirtualList } from './virtual-list.js';
import { ConnectionList, Handshakes } from './connections.js';
import { Detail } from './detail.js';
import { Timeline } from './timeline.js';
import { count, oneLine, relativeTime, size, timeOfDay, toRanges } from './format.js';

const ROW = 20;

const model = new Model();
// For the page's own tests and for people poking at it from the console.
window.netrxInspector = model;

function preview(s, i) {
  const f = s.flags[i];
  if (f & F.UNDECODABLE) return `[undecodable: ${s.extra.get(s.seq[i])?.undecodable ?? ''}]`;
  const kind = s.kind[i];
  if (kind === 0) return oneLine(s.payload[i], 240);
  if (kind === 4) {
    const x = s.extra.get(s.seq[i]);
    return x?.code !== undefined ? `${x.code} ${oneLine(x.reason ?? '', 120)}` : '';
  }
  const hex = s.payload[i];
  return hex.length > 120 ? `${hex.slice(0, 120)}…` : hex;
}

function exportShown() {
  // A form post, not fetch: the browser streams the download to disk, however many lines.
  const form = document.createElement('form');
  form.method = 'POST';
  form.action = 'api/messages?download';
  const input = document.createElement('input');
  input.type = 'hidden';
  input.name = 'ranges';
  input.value = toRanges(model.shownSeqs());
  form.append(input);
  document.body.append(form);
  form.submit();
  form.remove();
}

function findShown(seq) {
  // The shown list ascends by seq: binary search.
  const s = model.store;
  let lo = 0;
  let hi = model.shownN - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = s.seq[model.shown[mid]];
    if (v === seq) return mid;
    if (v < seq) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

function App() {
  const [, force] = useReducer((x) => x + 1, 0);
  useEffect(() => model.subscribe(force), []);
  const [timeMode, setTimeMode] = useState('abs');
  const list = useRef({}).current;
  model.onShift = (rows) => list.scrollBy?.(-rows);
  const s = model.store;
  const ids = [...model.conns.keys()].sort((a, b) => a - b);
  const st = model.status;

  const baseSec = s.n > 0 ? s.sec[0] : 0;
  const baseNs = s.n > 0 ? s.ns[0] : 0;
  const row = (r, style) => {
    const i = model.shown[r];
    const seq = s.seq[i];
    const d = s.dir[i];
    const kind = KINDS[s.kind[i]];
    const f = s.flags[i];
    const time = timeMode === 'abs' ? timeOfDay(s.sec[i], s.ns[i]) : relativeTime(s.sec[i], s.ns[i], baseSec, baseNs);
    return html`<div key=${seq} class="mrow ${d === 0 ? 'c2s' : 's2c'} kind-${kind} ${seq === model.selected ? 'selected' : ''}" style=${style}
        onClick=${() => model.select(seq)} role="row" data-seq=${seq}>
      <span class="m-time">${time}</span>
      <span class="m-conn">#${s.conn[i]}</span>
      <span class="m-dir" title=${d === 0 ? 'client to server' : 'server to client'}>${d === 0 ? '→' : '←'}</span>
      <span class="m-type">${kind}</span>
      <span class="m-size">${size(s.len[i])}</span>
      <span class="m-marks">${f & F.COMPRESSED ? html`<span class="mark" title="compressed (permessage-deflate)">Z</span>` : null}${s.frames[i] > 1 ? html`<span class="mark" title=${`${s.frames[i]} frames`}>F${s.frames[i]}</span>` : null}${f & (F.WARNINGS | F.PARTIAL | F.UNDECODABLE) ? html`<span class="mark warn" title="warnings">⚠</span>` : null}</span>
      <span class="m-preview">${preview(s, i)}</span>
    </div>`;
  };

  const onKey = (e) => {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    e.preventDefault();
    const r = findShown(model.selected);
    const next = r < 0 ? (e.key === 'ArrowDown' ? 0 : model.shownN - 1) : Math.max(0, Math.min(model.shownN - 1, r + (e.key === 'ArrowDown' ? 1 : -1)));
    if (next >= 0 && next < model.shownN) {
      model.select(s.seq[model.shown[next]]);
      list.scrollToIndex?.(next);
    }
  };

  const onJump = (atOrAfter) => {
    for (let r = 0; r < model.shownN; r++) {
      if (atOrAfter(model.shown[r])) {
        model.select(s.seq[model.shown[r]]);
        list.scrollToIndex?.(r);
        return;
      }
    }
  };

  const f = model.filter;
  const source = st.source.state === 'running' ? (model.online ? 'live' : 'reconnecting…') : st.source.state === 'done' ? 'capture complete' : `capture failed: ${st.source.error}`;
  return html`
    <header class="top">
      <h1>netrx <span class="muted">inspector</span></h1>
      <span class="title" title=${model.title}>${model.title}</span>
      <span class="source source-${st.source.state}">${source}</span>
      <span class="counts" data-testid="counts"><b data-testid="shown">${count(model.shownN)}</b> shown / <b data-testid="total">${count(st.total)}</b> messages${st.evicted > 0 ? html` · <span class="evicted" data-testid="evicted">${count(st.evicted)} evicted</span>` : null}${model.missed > 0 ? html` · ${count(model.missed)} missed` : null}</span>
      <span class="spacer"></span>
      <button onClick=${() => model.setPaused(!model.paused)} class=${model.paused ? 'on' : ''} data-testid="pause">${model.paused ? `Resume (${count(model.waiting)} new)` : 'Pause'}</button>
      <button onClick=${() => setTimeMode(timeMode === 'abs' ? 'rel' : 'abs')} data-testid="time-mode">${timeMode === 'abs' ? 'Time: UTC' : 'Time: relative'}</button>
      <button onClick=${exportShown} data-testid="export" title="the shown messages as NDJSON, as netrx ws --format jsonl writes them">Export NDJSON</button>
    </header>
    <div class="filters">
      <label><input type="checkbox" checked=${f.c2s} onChange=${(e) => model.setFilter({ c2s: e.currentTarget.checked })} data-testid="dir-c2s" /> → to server</label>
      <label><input type="checkbox" checked=${f.s2c} onChange=${(e) => model.setFilter({ s2c: e.currentTarget.checked })} data-testid="dir-s2c" /> ← to client</label>
      <span class="sep"></span>
      ${KINDS.map((k) => html`<label><input type="checkbox" checked=${f.kinds[k]} onChange=${(e) => model.setFilter({ kinds: { ...f.kinds, [k]: e.currentTarget.checked } })} data-testid=${`kind-${k}`} /> ${k}</label>`)}
      <span class="sep"></span>
      <input type="search" class="query" placeholder=${f.regex ? 'regular expression on the payload' : 'payload contains…'} value=${f.query} onInput=${(e) => model.setFilter({ query: e.currentTarget.value })} data-testid="query" />
      <label><input type="checkbox" checked=${f.regex} onChange=${(e) => model.setFilter({ regex: e.currentTarget.checked })} data-testid="regex" /> regex</label>
      ${model.compiled.error ? html`<span class="bad">${model.compiled.error}</span>` : null}
      ${model.pending.size > 0 ? html`<span class="muted">checking ${count(model.pending.size)} long messages…</span>` : null}
      ${f.conns.size > 0
        ? html`<span class="chips">connections ${[...f.conns].sort((a, b) => a - b).map((id) => html`<span class="chip">#${id}</span>`)}
            <button onClick=${() => model.setFilter({ conns: new Set() })} data-testid="all-conns">all connections</button></span>`
        : null}
    </div>
    <${Timeline} model=${model} onJump=${onJump} />
    <main>
      <div class="left">
        <${ConnectionList} model=${model} ids=${ids} />
        <section class="messages" aria-label="messages">
          <div class="mrow mhead"><span class="m-time">time</span><span class="m-conn">conn</span><span class="m-dir"></span><span class="m-type">type</span><span class="m-size">size</span><span class="m-marks"></span><span class="m-preview">payload</span></div>
          <${VirtualList} count=${model.shownN} rowHeight=${ROW} row=${row} follow=${true} control=${list} className="mlist" label="messages" onKey=${onKey} />
        </section>
      </div>
      <aside class="right">
        <${Handshakes} model=${model} />
        <${Detail} model=${model} seq=${model.selected} />
      </aside>
    </main>`;
}

const root = document.getElementById('app');
root.textContent = '';
render(html`<${App} />`, root);
connectFeed(model);
