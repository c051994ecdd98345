import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/reliability/**/*.test.ts', 'test/renderer/**/*.test.ts', 'test/e2e/**/*.test.ts', 'test/appliance/**/*.test.ts', 'test/s3/**/*.test.ts'],
    globalSetup: ['test/globalSetup.ts', 'test/appliance/globalSetup.ts', 'test/s3/globalSetup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
