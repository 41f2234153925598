import { defineConfig } from 'vitest/config';

// The bench's own tests (generator correctness), apart from `npm test`:
// `npx vitest run --config bench/vitest.config.ts`. No test here measures time.
export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['bench/__tests__/*.test.ts'],
    testTimeout: 60_000,
  },
});
