/**
 * The registry of stable error codes. A code is never reused or renamed once released;
 * docs/errors.md documents each one (a test fails when one is missing there).
 */
export interface ErrorCodeEntry {
  readonly retriable: boolean;
  /** The HTTP status an HTTP surface answers with, when the error reaches one. */
  readonly httpStatus?: number;
  readonly summary: string;
}

export const ERROR_CODES = {
  // configuration of a process (environment, CLI flags, files)
  SLB_CONFIG_INVALID: { retriable: false, summary: 'A process configuration value is missing or invalid.' },
  // Kafka / registry connectivity
  SLB_KAFKA_UNREACHABLE: { retriable: true, summary: 'The Kafka broker could not be reached.' },
  SLB_REGISTRY_UNREACHABLE: { retriable: true, summary: 'The schema registry could not be reached.' },
  SLB_TOPIC_MISSING: { retriable: false, summary: 'A catalogue topic does not exist on the broker.' },
  SLB_TOPIC_DRIFT: { retriable: false, summary: "An existing topic's settings differ from the catalogue." },
  SLB_UNKNOWN_TOPIC: { retriable: false, summary: 'A topic name is not in the catalogue.' },
  // event encoding
  SLB_EVENT_INVALID: { retriable: false, summary: 'An event does not match its topic schema.' },
  SLB_EVENT_UNDECODABLE: { retriable: false, summary: 'Bytes on a topic could not be decoded into an event.' },
  SLB_SCHEMA_INCOMPATIBLE: { retriable: false, summary: 'A schema change is not backward-compatible.' },
  // bus runtime
  SLB_BUS_CLOSED: { retriable: false, summary: 'The bus was used after it was closed.' },
  SLB_PUBLISH_FAILED: { retriable: true, summary: 'A message could not be published.' },
  SLB_CIRCUIT_OPEN: { retriable: true, summary: 'Publishing is paused because the broker keeps failing.' },
  SLB_HANDLER_FAILED: { retriable: false, summary: "A consumer's handler threw; the message went to dead-letters." },
  // tooling
  SLB_TOOL_MISSING: { retriable: false, summary: 'A required program (java, mvn, ...) is not installed.' },
} as const satisfies Record<string, ErrorCodeEntry>;

export type ErrorCode = keyof typeof ERROR_CODES;
