/**
 * A compiled module of this folder (`worker-main.js`, `json-lines-job.js`): beside this module's
 * compiled file, or in `dist/` when this module runs from its TypeScript source (the test runner):
 * a worker thread runs JavaScript only (`npx tsc -b packages/cli` builds it).
 */
export function compiledModule(file: string): URL {
  const here = import.meta.url;
  const url = new URL(`./${file}`, here);
  return here.endsWith('.ts') ? new URL(url.href.replace('/src/parallel/', '/dist/parallel/')) : url;
}
