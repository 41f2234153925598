import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const pkg = (name: string) => fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url));

export default defineConfig({
  // tsyringe (in @netrx/pipeline's composition root) needs legacy decorators with emitted metadata.
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  resolve: {
    // Tests run against the sources, so `npm test` needs no build first.
    alias: {
      '@netrx/core': pkg('core'),
      '@netrx/dissector-tcp': pkg('dissector-tcp'),
      '@netrx/dissector-http': pkg('dissector-http'),
      '@netrx/dissector-websocket': pkg('dissector-websocket'),
      '@netrx/dissector-tls': pkg('dissector-tls'),
      '@netrx/source-file': pkg('source-file'),
      '@netrx/source-live': pkg('source-live'),
      '@netrx/pipeline': pkg('pipeline'),
      '@netrx/inspector': pkg('inspector'),
      '@netrx/cli': pkg('cli'),
      '@netrx/sink-redis': pkg('sink-redis'),
    },
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'examples/*/**/*.test.ts', 'bench/__tests__/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    // Text output writes local time, as tcpdump does: the tests read it in UTC wherever they run.
    env: { TZ: 'UTC' },
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
