// The layering of docs/architecture.md, checked: each package imports only the packages below it
// and names no protocol above its own. Fails when a package is added without a place here.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

/** Who may import whom (docs/architecture.md, "Who may import whom"). */
const MAY_IMPORT: Record<string, readonly string[]> = {
  core: [],
  'source-file': ['core'],
  // The tcpdump backend reads tcpdump's pcap output with the file reader.
  'source-live': ['core', 'source-file'],
  'dissector-tcp': ['core'],
  'dissector-tls': ['core', 'dissector-tcp'],
  'dissector-http': ['core', 'dissector-tcp'],
  'dissector-websocket': ['core', 'dissector-tcp', 'dissector-http'],
  pipeline: ['core', 'source-file', 'source-live', 'dissector-tcp', 'dissector-tls', 'dissector-http', 'dissector-websocket'],
  inspector: ['core', 'dissector-tcp', 'dissector-tls', 'dissector-http', 'dissector-websocket', 'pipeline'],
  'sink-redis': ['core', 'pipeline'],
  cli: ['core', 'source-file', 'source-live', 'dissector-tcp', 'dissector-tls', 'dissector-http', 'dissector-websocket', 'pipeline', 'inspector', 'sink-redis'],
};

/** Protocols above each package: words its code (identifiers and strings, not comments) must not use. */
const ABOVE: Record<string, readonly string[]> = {
  core: ['tcp', 'tls', 'http', 'websocket', 'ws'],
  'source-file': ['tcp', 'tls', 'http', 'websocket', 'ws'],
  'source-live': ['tcp', 'tls', 'http', 'websocket', 'ws'],
  'dissector-tcp': ['tls', 'http', 'websocket', 'ws'],
  'dissector-tls': ['http', 'websocket', 'ws'],
  'dissector-http': ['websocket', 'ws'],
  'dissector-websocket': [],
  pipeline: [],
  inspector: [],
  'sink-redis': [],
  cli: [],
};

/** Files whose format itself names a protocol above the package, with the reason. */
const FORMAT_VOCABULARY: Record<string, string> = {
  'packages/source-file/src/decryption-secrets.ts': 'the pcapng format names its Decryption Secrets Block types (TLSK: a TLS key log)',
};

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== '__tests__' && name !== 'node_modules' && name !== 'dist') out.push(...sources(p));
    } else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/**
 * The code without comments and without prose: a line comment needs a space or line start before
 * `//` (so URLs in strings stay), and string literals with white space in them are messages for
 * people (`'IPv4 total length 0 (TCP segmentation offload)'`), while keys (`'tcp.port'`) have none.
 * A template literal is judged by its text the same way; the code in its `${…}` is code all the same.
 */
function code(text: string): string {
  return scan(text, 0, false).out;
}

/** {@link code} from `start`; inside an interpolation, up to its closing `}` (`end`). */
function scan(text: string, start: number, interpolation: boolean): { out: string; end: number } {
  let out = '';
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text[i]!;
    if (c === '/' && text[i + 1] === '*') {
      i = text.indexOf('*/', i + 2);
      if (i < 0) break;
      i++;
    } else if (c === '/' && text[i + 1] === '/' && (i === 0 || /\s/.test(text[i - 1]!))) {
      i = text.indexOf('\n', i);
      if (i < 0) break;
      out += '\n';
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== c && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      const body = text.slice(i + 1, j);
      out += /\s/.test(body) ? "''" : c + body + c;
      i = j;
    } else if (c === '`') {
      let j = i + 1;
      let body = '';
      let inner = '';
      while (j < text.length && text[j] !== '`') {
        if (text[j] === '\\') {
          body += text.slice(j, j + 2);
          j += 2;
        } else if (text[j] === '$' && text[j + 1] === '{') {
          const r = scan(text, j + 2, true);
          inner += ` ${r.out} `;
          j = r.end + 1;
        } else body += text[j++];
      }
      out += (/\s/.test(body) ? "''" : `\`${body}\``) + inner;
      i = j;
    } else if (interpolation && c === '{') {
      depth++;
      out += c;
    } else if (interpolation && c === '}') {
      if (depth === 0) return { out, end: i };
      depth--;
      out += c;
    } else out += c;
  }
  return { out, end: text.length };
}

/** The words of identifiers and strings: `looksLikeHttpRequest` → looks, like, http, request; `tcp.port` → tcp, port. */
function words(text: string): Set<string> {
  const split = text.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2');
  return new Set(split.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean));
}

const packages = readdirSync(join(root, 'packages')).filter((p) => statSync(join(root, 'packages', p, 'src')).isDirectory());

describe('architecture: each package knows only what is below it', () => {
  test('every package has a place in the layering', () => {
    for (const p of packages) expect(Object.keys(MAY_IMPORT), `packages/${p} is missing from the layering (docs/architecture.md and this test)`).toContain(p);
  });

  for (const p of packages) {
    test(`${p} imports only packages below it`, () => {
      const allowed = new Set(MAY_IMPORT[p] ?? []);
      const pkg = JSON.parse(readFileSync(join(root, 'packages', p, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
      const declared = Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies, ...pkg.peerDependencies }).filter((d) => d.startsWith('@netrx/'));
      for (const d of declared) expect(allowed.has(d.slice(7)), `packages/${p}/package.json depends on ${d}`).toBe(true);
      for (const file of sources(join(root, 'packages', p, 'src'))) {
        const text = code(readFileSync(file, 'utf8'));
        for (const m of text.matchAll(/(?:from\s+|import\s*\(?\s*)['"]@netrx\/([a-z-]+)['"]/g)) {
          expect(allowed.has(m[1]!), `${relative(root, file)} imports @netrx/${m[1]}, which is not below ${p}`).toBe(true);
        }
      }
    });

    test(`${p} names no protocol above its own`, () => {
      const forbidden = ABOVE[p] ?? [];
      for (const file of sources(join(root, 'packages', p, 'src'))) {
        if (FORMAT_VOCABULARY[relative(root, file)] !== undefined) continue;
        const w = words(code(readFileSync(file, 'utf8')));
        const named = forbidden.filter((f) => w.has(f));
        expect(named, `${relative(root, file)} names ${named.join(', ')}, above ${p}`).toEqual([]);
      }
    });
  }

  test('the checks catch what they are for', () => {
    expect([...words(code('const a = looksLikeHttpRequest(b); // websocket\nregistry.table("tcp.port")'))]).toEqual(
      expect.arrayContaining(['http', 'tcp']),
    );
    expect(words(code('/* websocket */ const x = 1; // ws frames')).has('websocket')).toBe(false);
    expect(words(code("throw new Error('not a TCP segment')")).has('tcp')).toBe(false);
    expect(words(code("const url = 'http://x'")).has('http')).toBe(true);
    // Code inside a template literal's interpolations is code, even when its text is prose.
    const template = words(code('const m = `upgrade to ${isWebSocket(h) ? name : `tcp.${port}`} now`; const k = `${a}`;'));
    expect(['web', 'socket', 'tcp', 'port'].every((w) => template.has(w))).toBe(true);
    expect(template.has('upgrade')).toBe(false);
    expect(words(code("const m = `lost ${n} bytes ${'of a TCP stream'}`")).has('tcp')).toBe(false);
    expect(words(code('const x = `a ${{ b: 1 }.b} c`; const tls = 1')).has('tls')).toBe(true);
  });

  test('examples use the library packages, not the command', () => {
    const dir = join(root, 'examples');
    for (const ex of readdirSync(dir)) {
      for (const name of readdirSync(join(dir, ex))) {
        if (!/\.(m?js|ts)$/.test(name) || name.endsWith('.test.ts')) continue;
        const text = readFileSync(join(dir, ex, name), 'utf8');
        expect(/['"]@netrx\/cli['"]/.test(text), `examples/${ex}/${name} imports @netrx/cli`).toBe(false);
      }
    }
  });
});
