import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/global.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // expect.poll waits for work that crosses queues and processes: 1 s (the default) is too short
    // on a loaded CI machine.
    expect: { poll: { timeout: 5_000 } },
    // A JSON report too, so CI can print a plain "N passed, N failed" line.
    reporters: ['default', ['json', { outputFile: 'test-artifacts/vitest.json' }]],
    // Each test file clones its own PostgreSQL database and uses its own Redis key prefix.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
