import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests start real servers; two files at a time fit the 2-core machines.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
