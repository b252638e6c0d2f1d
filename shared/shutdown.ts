/** Runs `close` once on SIGINT or SIGTERM, then exits: the services' graceful stop. */
export function closeOnSignals(close: () => Promise<void>): void {
  const stop = () =>
    void close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
