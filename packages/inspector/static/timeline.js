// Messages per second per direction over the capture, for the messages the filter shows: client
// to server above the axis, server to client below. A click jumps the list to that moment.
import { useEffect, useRef } from 'preact/hooks';
import { html } from './html.js';
import { timeOfDay } from './format.js';

const STEPS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

function label(per) {
  return per < 1 ? `${Math.round(per * 1000)} ms` : per < 60 ? `${per} s` : `${per / 60} min`;
}

export function Timeline({ model, onJump }) {
  const ref = useRef(null);
  const geometry = useRef(null);
  const last = useRef(0);
  const timer = useRef(0);
  useEffect(() => {
    // Redraw at most twice a second: a live capture re-renders the page many times a second.
    const now = performance.now();
    if (now - last.current >= 500) {
      last.current = now;
      draw();
    } else if (!timer.current) {
      timer.current = setTimeout(() => {
        timer.current = 0;
        last.current = performance.now();
        draw();
      }, 500);
    }
  });
  useEffect(() => () => clearTimeout(timer.current), []);
  function draw() {
    const canvas = ref.current;
    if (!canvas) return;
    const w = (canvas.width = canvas.clientWidth * devicePixelRatio);
    const h = (canvas.height = canvas.clientHeight * devicePixelRatio);
    const g = canvas.getContext('2d');
    g.clearRect(0, 0, w, h);
    const s = model.store;
    const n = model.shownN;
    if (n === 0) {
      geometry.current = null;
      return;
    }
    // Times relative to the first shown message, in seconds (doubles lose nanoseconds of epoch times).
    const sec0 = s.sec[model.shown[0]];
    const ns0 = s.ns[model.shown[0]];
    let t1 = 0;
    let tmin = 0;
    for (let r = 0; r < n; r++) {
      const i = model.shown[r];
      const t = s.sec[i] - sec0 + (s.ns[i] - ns0) / 1e9;
      if (t > t1) t1 = t;
      if (t < tmin) tmin = t;
    }
    const bars = Math.max(1, Math.floor(w / (3 * devicePixelRatio)));
    // A bar is a round span (1 ms … 1 h) and its height a rate, messages per second.
    const span = Math.max(t1 - tmin, 1e-3);
    const per = STEPS.find((p) => span / p <= bars) ?? Math.ceil(span / bars);
    const nb = Math.floor(span / per) + 1;
    const up = new Float64Array(nb);
    const down = new Float64Array(nb);
    for (let r = 0; r < n; r++) {
      const i = model.shown[r];
      const b = Math.min(nb - 1, Math.floor((s.sec[i] - sec0 + (s.ns[i] - ns0) / 1e9 - tmin) / per));
      if (s.dir[i] === 0) up[b]++;
      else down[b]++;
    }
    let max = 1;
    for (let b = 0; b < nb; b++) max = Math.max(max, up[b], down[b]);
    const mid = h / 2;
    const bw = w / nb;
    g.fillStyle = '#2f6fdb';
    for (let b = 0; b < nb; b++) if (up[b]) g.fillRect(b * bw, mid - (up[b] / max) * (mid - 2), Math.max(1, bw - 1), (up[b] / max) * (mid - 2));
    g.fillStyle = '#d9822b';
    for (let b = 0; b < nb; b++) if (down[b]) g.fillRect(b * bw, mid, Math.max(1, bw - 1), (down[b] / max) * (mid - 2));
    g.fillStyle = '#888';
    g.fillRect(0, mid, w, 1);
    g.font = `${11 * devicePixelRatio}px sans-serif`;
    const at = (t) => {
      const whole = Math.floor(t);
      const ns = Math.round((t - whole) * 1e9) + ns0;
      return timeOfDay(sec0 + whole + Math.floor(ns / 1e9), ns % 1e9);
    };
    g.fillText(at(tmin), 4, h - 4);
    const endLabel = `${at(t1)}  (${label(per)} bars)`;
    g.fillText(endLabel, w - g.measureText(endLabel).width - 4, h - 4);
    const peak = `peak ${(max / per).toFixed(max / per < 10 ? 1 : 0)} msg/s`;
    g.fillText(peak, w - g.measureText(peak).width - 4, 12 * devicePixelRatio);
    geometry.current = { rel: (i) => s.sec[i] - sec0 + (s.ns[i] - ns0) / 1e9 - tmin, per, nb, w };
  }
  const onClick = (e) => {
    const geo = geometry.current;
    if (!geo) return;
    const x = (e.offsetX * devicePixelRatio) / geo.w;
    const t = Math.floor(x * geo.nb) * geo.per;
    onJump((i) => geo.rel(i) >= t);
  };
  return html`<div class="timeline" title="messages per second: → client to server above, ← server to client below; click to jump">
    <canvas ref=${ref} onClick=${onClick} aria-label="timeline of messages per second per direction"></canvas>
  </div>`;
}
