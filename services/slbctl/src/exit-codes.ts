/**
 * slbctl's exit codes: scripts branch on these, so they are part of the interface
 * (docs/slbctl.md lists them). An error's SlbError code decides its exit code.
 */
import { isSlbError, type ErrorCode } from '@slb/core';

export const EXIT = Object.freeze({
  OK: 0,
  /** Anything not covered below (a topic missing, a service or version not found, ...). */
  FAILURE: 1,
  /** Bad command-line arguments or environment. */
  USAGE: 2,
  /** The config file (or the config asked for) is invalid: every problem is listed. */
  INVALID_CONFIG: 3,
  /** The Kafka broker or the schema registry could not be reached (or refused our credentials). */
  UNREACHABLE: 4,
  /** A pushed config did not converge on every live proxy before --timeout. */
  NOT_CONVERGED: 5,
  /** A proxy rejected the pushed config. */
  REJECTED: 6,
});

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

const BY_CODE: Partial<Record<ErrorCode, ExitCode>> = {
  SLB_CLI_USAGE: EXIT.USAGE,
  SLB_CONFIG_INVALID: EXIT.USAGE,
  SLB_SERVICE_CONFIG_INVALID: EXIT.INVALID_CONFIG,
  SLB_SERVICE_CONFIG_STALE: EXIT.INVALID_CONFIG,
  SLB_EVENT_INVALID: EXIT.INVALID_CONFIG,
  SLB_KAFKA_UNREACHABLE: EXIT.UNREACHABLE,
  SLB_REGISTRY_UNREACHABLE: EXIT.UNREACHABLE,
  SLB_REGISTRY_UNAUTHORIZED: EXIT.UNREACHABLE,
  SLB_CONFIG_NOT_CONVERGED: EXIT.NOT_CONVERGED,
  SLB_CONFIG_REJECTED: EXIT.REJECTED,
};

export function exitCodeFor(error: unknown): ExitCode {
  if (!isSlbError(error)) return EXIT.FAILURE;
  return BY_CODE[error.code] ?? EXIT.FAILURE;
}

/** The one line printed for an error: never a stack trace, never a second line. */
export function errorLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = isSlbError(error) ? ` [${error.code}]` : '';
  return `slbctl: ${message.replace(/\s*\n\s*/g, ' ').trim()}${code}`;
}
