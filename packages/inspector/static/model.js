// The page's state outside the view: the messages, connections and totals the server sent, the
// filter, and the list of messages it shows. The view re-renders when `version` changes.
import { compileFilter, defaultFilter } from './filter.js';
import { toRanges } from './format.js';
import { MessageStore } from './message-store.js';

/** Most characters of whole payloads asked for in one request while a payload filter checks capped previews. */
const FULL_CHECK_CHARS = 8 * 1024 * 1024;

export class Model {
  constructor(fetchImpl = (...a) => fetch(...a)) {
    this.fetch = fetchImpl;
    this.store = new MessageStore();
    this.conns = new Map();
    this.status = { total: 0, evicted: 0, connections: 0, source: { state: 'running' } };
    this.title = '';
    this.maxMessages = 1_000_000;
    /** Messages the server evicted before this page got them (its `reset` events). */
    this.missed = 0;
    /** Messages this page dropped to keep no more than the server's ring. */
    this.dropped = 0;
    this.online = false;
    this.filter = defaultFilter();
    this.compiled = compileFilter(this.filter);
    /** Indexes (into the store) of the messages shown, in order. */
    this.shown = new Int32Array(1024);
    this.shownN = 0;
    /** Messages up to this index went through the filter; while paused it stays put. */
    this.scanned = 0;
    this.paused = false;
    /** Whole-payload answers of the current payload filter, by seq, for capped previews. */
    this.full = new Map();
    this.pending = new Set();
    this.checking = false;
    this.selected = -1;
    this.version = 0;
    this.listeners = new Set();
    this.notifyScheduled = false;
    /** Called with the number of rows removed from the top of the shown list (the page dropped old messages). */
    this.onShift = null;
  }

  subscribe(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  changed() {
    this.version++;
    if (this.notifyScheduled) return;
    this.notifyScheduled = true;
    const run = () => {
      this.notifyScheduled = false;
      for (const fn of this.listeners) fn(this.version);
    };
    if (typeof requestAnimationFrame === 'function') requestAnimationFrame(run);
    else queueMicrotask(run);
  }

  hello(h) {
    this.title = h.title;
    this.maxMessages = h.maxMessages;
    this.changed();
  }

  connections(list) {
    for (const c of list) this.conns.set(c.id, c);
    this.changed();
  }

  setStatus(s) {
    this.status = s;
    this.changed();
  }

  reset(r) {
    this.missed += r.to - r.from;
    this.changed();
  }

  setOnline(on) {
    this.online = on;
    this.changed();
  }

  /** A `msgs` event: `{first, m}`, the messages numbered from `first`. */
  messages(batch) {
    const { first, m } = batch;
    const last = this.store.n > 0 ? this.store.seq[this.store.n - 1] : -1;
    for (let j = 0; j < m.length; j++) {
      const seq = first + j;
      // A resumed stream may repeat what this page already has.
      if (seq > last) this.store.push(m[j], seq);
    }
    // Keep what the server keeps (with some slack, so dropping is rare and amortised).
    if (this.store.n > this.maxMessages * 1.25) this.dropOldest(this.store.n - this.maxMessages);
    if (!this.paused) this.scan(this.store.n);
    this.changed();
  }

  dropOldest(k) {
    this.store.dropOldest(k);
    this.dropped += k;
    this.scanned = Math.max(0, this.scanned - k);
    let removed = 0;
    let w = 0;
    for (let r = 0; r < this.shownN; r++) {
      const i = this.shown[r] - k;
      if (i < 0) removed++;
      else this.shown[w++] = i;
    }
    this.shownN = w;
    this.onShift?.(removed);
  }

  /** Runs the filter over the messages not yet scanned, up to index `limit`. */
  scan(limit) {
    const s = this.store;
    const f = this.compiled;
    for (let i = this.scanned; i < limit; i++) {
      let ok = f.test(s, i);
      if (ok === undefined) {
        const seq = s.seq[i];
        ok = this.full.get(seq);
        if (ok === undefined) this.pending.add(seq);
      }
      if (ok) this.show(i);
    }
    this.scanned = limit;
    if (this.pending.size > 0) this.checkFull();
  }

  show(i) {
    if (this.shownN === this.shown.length) {
      const b = new Int32Array(this.shown.length * 2);
      b.set(this.shown);
      this.shown = b;
    }
    this.shown[this.shownN++] = i;
  }

  /** Runs the filter again from the start (up to where it was, when paused). */
  refilter() {
    const limit = this.paused ? this.scanned : this.store.n;
    this.shownN = 0;
    this.scanned = 0;
    this.scan(limit);
    this.changed();
  }

  setFilter(patch) {
    this.filter = { ...this.filter, ...patch };
    const before = this.compiled.key;
    this.compiled = compileFilter(this.filter);
    if (this.compiled.key !== before) {
      this.full.clear();
      this.pending.clear();
    }
    this.refilter();
  }

  /** Selects connections: a click selects one (or none, clicking it again), with `add` toggles it. */
  toggleConnection(id, add) {
    const conns = new Set(this.filter.conns);
    if (add) {
      if (conns.has(id)) conns.delete(id);
      else conns.add(id);
    } else if (conns.size === 1 && conns.has(id)) conns.clear();
    else {
      conns.clear();
      conns.add(id);
    }
    this.setFilter({ conns });
  }

  setPaused(paused) {
    this.paused = paused;
    if (!paused) this.scan(this.store.n);
    this.changed();
  }

  select(seq) {
    this.selected = seq;
    this.changed();
  }

  /** Messages received while paused, not in the list yet. */
  get waiting() {
    return this.paused ? this.store.n - this.scanned : 0;
  }

  /** Seqs of the messages shown, ascending. */
  shownSeqs() {
    const out = new Array(this.shownN);
    for (let r = 0; r < this.shownN; r++) out[r] = this.store.seq[this.shown[r]];
    return out;
  }

  /**
   * Decides the capped previews the payload filter could not: a substring filter asks the server
   * which of them match (it has the whole lines); a regular expression is run here on the whole
   * lines, fetched in batches (never on the server, where a slow expression would hold the capture).
   */
  async checkFull() {
    if (this.checking) return;
    this.checking = true;
    try {
      while (this.pending.size > 0) {
        const key = this.compiled.key;
        const batch = [];
        let chars = 0;
        for (const seq of this.pending) {
          batch.push(seq);
          const i = this.store.indexOf(seq);
          chars += i < 0 ? 0 : this.store.len[i] * 2;
          if (!this.filter.regex ? batch.length >= 200_000 : chars > FULL_CHECK_CHARS || batch.length >= 500) break;
        }
        batch.sort((a, b) => a - b);
        let decide;
        if (!this.filter.regex) {
          const res = await this.fetch(`api/match?q=${encodeURIComponent(this.filter.query)}`, { method: 'POST', body: toRanges(batch) });
          const matched = new Set(res.ok ? expandRanges(await res.text()) : []);
          decide = (seq) => matched.has(seq);
        } else {
          const res = await this.fetch('api/messages?keyed', { method: 'POST', body: toRanges(batch) });
          const lines = res.ok ? await res.json() : {};
          // Evicted meanwhile: not shown.
          decide = (seq) => lines[seq] !== undefined && this.compiled.testFull(lines[seq]);
        }
        if (this.compiled.key !== key) continue;
        for (const seq of batch) {
          this.pending.delete(seq);
          this.full.set(seq, decide(seq));
        }
      }
    } finally {
      this.checking = false;
    }
    this.refilter();
  }
}

/** `0-2,5` → [0, 1, 2, 5]. */
export function expandRanges(s) {
  const out = [];
  for (const part of s.split(',')) {
    if (part === '') continue;
    const [a, b] = part.split('-').map(Number);
    for (let n = a; n <= (b ?? a); n++) out.push(n);
  }
  return out;
}

/** Connects the model to the server's event stream; `EventSource` resumes after `Last-Event-ID` by itself. */
export function connectFeed(model, url = 'events') {
  const es = new EventSource(url);
  const on = (name, fn) => es.addEventListener(name, (e) => fn(JSON.parse(e.data)));
  on('hello', (h) => model.hello(h));
  on('conn', (list) => model.connections(list));
  on('msgs', (b) => model.messages(b));
  on('reset', (r) => model.reset(r));
  on('status', (s) => model.setStatus(s));
  es.onopen = () => model.setOnline(true);
  es.onerror = () => model.setOnline(false);
  return es;
}
