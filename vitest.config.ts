import { defineConfig } from 'vitest/config';

// One run covers every package: each package's tests live in packages/<name>/test, mirroring src.
export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // expect.poll's default of 1 s is shorter than a sign-up takes on a 2-core machine running
    // Chromium, servers and Postgres at once (argon2 alone is ~100 ms unloaded): a CI run saw a
    // demo test time out there. A condition that never holds still fails, 10 s later.
    expect: { poll: { timeout: 10_000 } },
    pool: 'forks',
    // Two cores: more workers than that only adds contention with the servers under test.
    maxWorkers: 2,
    // supabase-js (the compatibility tests' client) needs a global WebSocket; Node 20 has it behind a flag.
    execArgv: ['--experimental-websocket'],
  },
});
