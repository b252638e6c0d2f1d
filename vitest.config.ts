import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // the crash test runs on its own (npm run test:crash, a step of test:all): it times real processes
    // at 200 checks a second, and beside the rest of the suite a loaded machine skips runs it would count as lost
    exclude: process.env.VIGIL_CRASH ? ['node_modules/**'] : ['tests/crash/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests start real peers (Prometheus, Kamailio …); two workers fit a 2-core machine.
    maxWorkers: 2,
    pool: 'forks',
  },
});
