import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Forks, not threads: lab tests spawn `ip netns exec` children and daemons, and a crashed
    // native module (net-snmp socket, better-sqlite3) must not take the other files down.
    pool: 'forks',
    maxWorkers: 2,
  },
});
