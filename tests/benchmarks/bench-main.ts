/** What every benchmark script shares: bounded numeric settings from the environment, and one final JSON line. */

/** A numeric BENCH_* setting, default `def`, refused outside [min, max]. */
export function benchEnv(name: string, def: number, min: number, max: number): number {
  const v = Number(process.env[name] ?? def);
  if (!(v >= min && v <= max)) throw new Error(`${name} must be in [${min}, ${max}], got ${process.env[name]}`);
  return v;
}

/** Runs the bench, always cleans up, prints its result as the one final JSON line on stdout (none, and exit 1, on failure). */
export async function runBench(run: () => Promise<Record<string, unknown>>, cleanup: () => Promise<void>, log: (m: string) => void): Promise<void> {
  let result: Record<string, unknown> | undefined;
  try {
    result = await run();
  } catch (e) {
    log(`failed: ${(e as Error).stack ?? String(e)}`);
    process.exitCode = 1;
  } finally {
    await cleanup();
  }
  if (result) process.stdout.write(`${JSON.stringify(result)}\n`);
}
