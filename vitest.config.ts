import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // Integration tests start real servers; two files at a time fit the 2-core machines.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'haproxy', include: ['test/integration/**/*.test.ts'] } },
      // Deployment files, checked without a Docker engine or systemd: docker-compose config, haproxy -c,
      // systemd-analyze verify, the Dockerfile's properties, HAProxy's program section.
      { extends: true, test: { name: 'deploy', include: ['test/deploy/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'elasticsearch',
          include: ['test/elasticsearch/**/*.test.ts'],
          // One real Elasticsearch for the project (tests that stop Elasticsearch start their own).
          globalSetup: ['test/elasticsearch/global-setup.ts'],
          testTimeout: 240_000,
        },
      },
    ],
  },
});
