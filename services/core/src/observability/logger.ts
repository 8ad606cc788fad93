/**
 * One pino logger per package and subsystem, named `service:subsystem` (e.g. `core:bus`).
 * Bus logs carry topic, partition and offset as fields so they can be joined with dead letters.
 */
import { pino, type Logger, type DestinationStream, type LevelWithSilent } from 'pino';

export type { Logger };

export interface LoggerOptions {
  readonly level?: LevelWithSilent;
  /** Where lines go (default stdout); tests pass a stream to read them back. */
  readonly destination?: DestinationStream;
}

export function createLogger(name: string, options: LoggerOptions = {}): Logger {
  if (!/^[a-z0-9-]+:[a-z0-9-]+$/.test(name)) {
    throw new TypeError(`logger name must be "service:subsystem" in kebab-case, got "${name}"`);
  }
  const settings = { name, level: options.level ?? 'info' };
  return options.destination === undefined ? pino(settings) : pino(settings, options.destination);
}
