import { defineConfig } from 'vitest/config';

/** Browser tests: the real server (built) driven through Debian's Chromium. `npm run test:e2e`. */
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
