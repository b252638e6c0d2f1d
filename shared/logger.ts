import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

export interface LoggerSettings {
  level?: string;
  name?: string;
  /** Write to this destination (fd or path); default stdout. */
  destination?: number | string;
}

/** Logger factory: one pino logger per process, passed down as a dependency. */
export function createLogger(settings: LoggerSettings = {}): Logger {
  const opts: LoggerOptions = {
    level: settings.level ?? process.env.VIGIL_LOG_LEVEL ?? 'info',
    base: settings.name ? { name: settings.name } : {},
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  const dest = settings.destination ?? 1;
  return pino(opts, pino.destination({ dest, sync: false }));
}

/** A logger that drops everything: for tests that don't look at logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
