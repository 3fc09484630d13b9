import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/global.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Test files share one PostgreSQL database and one Redis db; each file uses its own schema/prefix.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
