import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests start real peers (Prometheus, Kamailio …); two workers fit a 2-core machine.
    maxWorkers: 2,
    pool: 'forks',
  },
});
