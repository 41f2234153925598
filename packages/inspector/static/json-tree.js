// A JSON value, pretty-printed and foldable: objects and arrays are <details> elements (open to
// depth 2), values coloured by type. Every key and string is a text node.
import { html } from './html.js';

/** Children listed per object or array before "… N more". */
const MAX_CHILDREN = 1000;

export function JsonTree({ value }) {
  return html`<div class="json">${node(value, undefined, 0, true)}</div>`;
}

function node(value, key, depth, last) {
  const label = key === undefined ? null : html`<span class="json-key">${JSON.stringify(key)}</span>: `;
  const comma = last ? '' : ',';
  if (value !== null && typeof value === 'object') {
    const isArray = Array.isArray(value);
    const entries = isArray ? value.map((v, i) => [undefined, v, i]) : Object.entries(value).map(([k, v], i) => [k, v, i]);
    const [open, close] = isArray ? ['[', ']'] : ['{', '}'];
    if (entries.length === 0) return html`<div class="json-line">${label}${open}${close}${comma}</div>`;
    const shown = entries.slice(0, MAX_CHILDREN);
    const summary = isArray ? `${entries.length} items` : `${entries.length} keys`;
    return html`<details class="json-node" open=${depth < 2}>
      <summary>${label}${open}<span class="json-summary"> ${summary} ${close}${comma}</span></summary>
      <div class="json-children">
        ${shown.map(([k, v, i]) => node(v, k, depth + 1, i === entries.length - 1))}
        ${entries.length > MAX_CHILDREN ? html`<div class="json-more">… ${entries.length - MAX_CHILDREN} more</div>` : null}
      </div>
      <div class="json-close">${close}${comma}</div>
    </details>`;
  }
  const type = value === null ? 'null' : typeof value;
  return html`<div class="json-line">${label}<span class="json-${type}">${JSON.stringify(value)}</span>${comma}</div>`;
}
