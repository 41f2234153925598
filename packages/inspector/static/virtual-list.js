// A virtualised list: renders only the rows in view (plus a few), so a million rows scroll as
// smoothly as ten. Follows the end while the user is at the bottom; when they have scrolled up,
// new rows never move what they are looking at.
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { html } from './html.js';

/** Past this many pixels browsers stop growing an element: beyond it scrolling is scaled. */
const MAX_HEIGHT = 15_000_000;

export function VirtualList({ count, rowHeight, row, follow = false, control, className = '', label, onKey }) {
  const ref = useRef(null);
  const [, setTick] = useState(0);
  const st = useRef({ top: 0, height: 300, atBottom: true });
  const full = count * rowHeight;
  const height = Math.min(full, MAX_HEIGHT);
  const view = st.current.height;
  const visible = Math.ceil(view / rowHeight) + 2;

  let first;
  let offset;
  if (full <= MAX_HEIGHT) {
    first = Math.floor(st.current.top / rowHeight);
    offset = 0;
  } else {
    // Scaled: the scroll fraction picks the first row; rows are laid out from the viewport's top.
    const frac = Math.min(1, st.current.top / Math.max(1, height - view));
    const exact = frac * Math.max(0, count - (view / rowHeight));
    first = Math.floor(exact);
    offset = st.current.top - (exact - first) * rowHeight - first * rowHeight;
  }
  first = Math.max(0, Math.min(first, Math.max(0, count - 1)));
  const last = Math.min(count, first + visible);

  useLayoutEffect(() => {
    const el = ref.current;
    if (follow && st.current.atBottom && el.scrollTop + el.clientHeight < el.scrollHeight - 1) el.scrollTop = el.scrollHeight;
  });

  useEffect(() => {
    const el = ref.current;
    const measure = () => {
      st.current.height = el.clientHeight || 300;
      setTick((t) => t + 1);
    };
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    measure();
    return () => ro.disconnect();
  }, []);

  if (control) {
    control.scrollToIndex = (i) => {
      const el = ref.current;
      if (!el) return;
      const top = full <= MAX_HEIGHT ? i * rowHeight : (i / Math.max(1, count - view / rowHeight)) * (height - view);
      if (top < el.scrollTop || top + rowHeight > el.scrollTop + el.clientHeight) el.scrollTop = Math.max(0, top - el.clientHeight / 2);
    };
    control.scrollBy = (rows) => {
      const el = ref.current;
      if (el && !st.current.atBottom) el.scrollTop += rows * rowHeight;
    };
  }

  const onScroll = () => {
    const el = ref.current;
    st.current.top = el.scrollTop;
    st.current.atBottom = el.scrollTop + el.clientHeight >= el.scrollHeight - rowHeight / 2;
    setTick((t) => t + 1);
  };

  const rows = [];
  for (let i = first; i < last; i++) rows.push(row(i, { position: 'absolute', top: `${i * rowHeight + offset}px`, height: `${rowHeight}px`, left: 0, right: 0 }));
  return html`<div class="vlist ${className}" ref=${ref} onScroll=${onScroll} tabindex="0" role="grid" aria-label=${label} aria-rowcount=${count} onKeyDown=${onKey}>
    <div class="vlist-body" style=${{ height: `${height}px` }}>${rows}</div>
  </div>`;
}
