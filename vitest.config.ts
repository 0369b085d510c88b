import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'docker',
          include: ['test/docker/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          testTimeout: 20 * 60_000,
          hookTimeout: 60 * 60_000,
          fileParallelism: false,
          globalSetup: ['test/docker/global-setup.ts'],
        },
      },
    ],
  },
});
