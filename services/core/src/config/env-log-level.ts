import type { ConfigProblem } from './kafka-env.js';

/** pino's levels; LOG_LEVEL takes one of them (any case). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Reads LOG_LEVEL (default info) for a role's envToConfig. A bad value is added to `problems`
 * (so every problem is reported at once) and info is returned.
 */
export function envLogLevel(value: string | undefined, problems: ConfigProblem[]): LogLevel {
  const level = (value ?? 'info').toLowerCase();
  if ((LOG_LEVELS as readonly string[]).includes(level)) return level as LogLevel;
  problems.push({ field: 'LOG_LEVEL', message: `must be one of ${LOG_LEVELS.join(', ')}, got "${value}"` });
  return 'info';
}
