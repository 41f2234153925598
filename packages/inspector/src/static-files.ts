import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A file the server sends as it is. */
export interface StaticFile {
  readonly type: string;
  readonly body: Buffer;
}

/** The page's files, read once: its own (from the package's `static/`) and the view library's ES modules. */
export interface PageFiles {
  /** `index.html`, with the import map inline. */
  readonly index: Buffer;
  /** The Content-Security-Policy of the page: its own origin, and the import map by hash. */
  readonly csp: string;
  /** By path below the token: `static/app.js`, `vendor/preact.mjs`… */
  readonly files: ReadonlyMap<string, StaticFile>;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * Reads the page's files. No build step and no CDN: the page is plain ES modules from `static/`,
 * and Preact and htm are served from their npm packages' own ES module builds, found through an
 * import map (`preact`, `preact/hooks`, `htm`).
 */
export function loadPageFiles(): PageFiles {
  const dir = fileURLToPath(new URL('../static/', import.meta.url));
  const files = new Map<string, StaticFile>();
  for (const name of readdirSync(dir)) {
    const ext = name.slice(name.lastIndexOf('.'));
    const type = TYPES[ext];
    if (type !== undefined) files.set(`static/${name}`, { type, body: readFileSync(join(dir, name)) });
  }
  const require = createRequire(import.meta.url);
  const vendor = {
    'vendor/preact.mjs': join(dirname(require.resolve('preact')), 'preact.mjs'),
    'vendor/hooks.mjs': join(dirname(require.resolve('preact/hooks')), 'hooks.mjs'),
    'vendor/htm.mjs': join(dirname(require.resolve('htm')), 'htm.mjs'),
  };
  for (const [path, file] of Object.entries(vendor)) {
    if (!existsSync(file)) throw new Error(`@netrx/inspector: ${file} is missing: reinstall the package's dependencies (preact, htm)`);
    files.set(path, { type: TYPES['.mjs']!, body: readFileSync(file) });
  }
  const importMap = JSON.stringify({ imports: { preact: './vendor/preact.mjs', 'preact/hooks': './vendor/hooks.mjs', htm: './vendor/htm.mjs' } });
  const hash = createHash('sha256').update(importMap).digest('base64');
  const index = readFileSync(join(dir, 'index.html'), 'utf8').replace('<!--importmap-->', `<script type="importmap">${importMap}</script>`);
  const csp = [
    "default-src 'none'",
    `script-src 'self' 'sha256-${hash}'`,
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    // The NDJSON export is a form post to the page's own origin (the browser streams it to disk).
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { index: Buffer.from(index), csp, files };
}
