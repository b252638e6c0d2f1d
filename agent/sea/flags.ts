/**
 * The single-file agent's Node and V8 settings: the same as bin/vigil-agent's (docs/agent-footprint.md
 * gives the reason and the measurement for each), split by where a SEA can take them. Node 20's
 * SEA ignores node flags on its command line and has no `execArgv` in its config (Node 24 has), and
 * Node 20 cannot exec itself (`process.execve` is Node 22.15+), so:
 *   - heap sizes go in NODE_OPTIONS (V8 reads them when it makes the heap, before any script runs);
 *   - the malloc settings are read by glibc when the process starts;
 * both come from the service's environment (the systemd unit's Environment= lines), and
 *   - the compiler flags, which V8 reads when it decides to compile, are set by the executable
 *     itself as its first statement (agent/sea/v8-flags.ts); NODE_OPTIONS refuses them.
 * tests/e2e/sea-agent.test.ts checks that these lists and bin/vigil-agent's agree.
 */

/** V8 flags the executable sets itself at start-up (v8.setFlagsFromString). */
export const SEA_V8_FLAGS = ['--optimize-for-size', '--no-opt', '--no-sparkplug', '--liftoff-only'] as const;

/** Heap-size flags: only honoured from NODE_OPTIONS in a SEA. */
export const SEA_HEAP_FLAGS = ['--max-semi-space-size=1', '--max-old-space-size=64'] as const;

/**
 * The environment the service must start the executable with (the systemd unit's Environment=
 * lines; bench:agent starts the artifact with exactly this). Without it the agent works the
 * same, with a larger resident footprint.
 */
export const SEA_ENVIRONMENT: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '2',
  GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=65537',
  NODE_OPTIONS: SEA_HEAP_FLAGS.join(' '),
};

/** The variables of SEA_ENVIRONMENT missing or different in `env` (the agent warns about them at `run`). */
export function missingEnvironment(env: NodeJS.ProcessEnv): string[] {
  return Object.entries(SEA_ENVIRONMENT)
    .filter(([k, v]) => (k === 'NODE_OPTIONS' ? !SEA_HEAP_FLAGS.every((f) => env[k]?.split(/\s+/).includes(f)) : !env[k]?.includes(v)))
    .map(([k]) => k);
}

/** The same as systemd unit lines. */
export function unitEnvironmentLines(): string[] {
  return Object.entries(SEA_ENVIRONMENT).map(([k, v]) => (/\s/.test(v) ? `Environment="${k}=${v}"` : `Environment=${k}=${v}`));
}
