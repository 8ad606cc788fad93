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
  SLB_REGISTRY_UNAUTHORIZED: { retriable: false, summary: 'The schema registry refused our credentials (HTTP 401/403).' },
  SLB_TOPIC_MISSING: { retriable: false, summary: 'A catalogue topic does not exist on the broker.' },
  SLB_TOPIC_DRIFT: { retriable: false, summary: "An existing topic's settings differ from the catalogue." },
  SLB_UNKNOWN_TOPIC: { retriable: false, summary: 'A topic name is not in the catalogue.' },
  // event encoding
  SLB_EVENT_INVALID: { retriable: false, summary: 'An event does not match its topic schema.' },
  SLB_EVENT_UNDECODABLE: { retriable: false, summary: 'Bytes on a topic could not be decoded into an event.' },
  SLB_SCHEMA_INCOMPATIBLE: { retriable: false, summary: 'A schema change is not backward-compatible.' },
  SLB_SCHEMA_INVALID: { retriable: false, summary: 'A schema in proto/ is malformed or was refused by the registry as invalid.' },
  // bus runtime
  SLB_BUS_CLOSED: { retriable: false, summary: 'The bus was used after it was closed.' },
  SLB_PUBLISH_FAILED: { retriable: true, summary: 'A message could not be published.' },
  SLB_CIRCUIT_OPEN: { retriable: true, summary: 'Publishing is paused because the broker keeps failing.' },
  SLB_HANDLER_FAILED: { retriable: false, summary: "A consumer's handler threw; the message went to dead-letters." },
  // control-plane pure logic (scoring, windows, decisions)
  SLB_POLICY_INVALID: { retriable: false, summary: 'A scoring or decision policy has invalid or inconsistent parameters.' },
  SLB_SKETCH_INVALID: { retriable: false, summary: 'A latency sketch could not be decoded or has a different accuracy.' },
  // service config (ConfigUpdate) semantic checks and signatures: services/core/src/service-config
  SLB_SERVICE_CONFIG_INVALID: { retriable: false, summary: 'A ConfigUpdate is structurally or semantically invalid (every problem listed with its field path).' },
  SLB_SERVICE_CONFIG_UNSIGNED: { retriable: false, summary: 'A ConfigUpdate carries no signature but a public key is configured.' },
  SLB_SERVICE_CONFIG_FORGED: { retriable: false, summary: "A ConfigUpdate's Ed25519 signature does not verify." },
  SLB_SERVICE_CONFIG_STALE: { retriable: false, summary: 'A ConfigUpdate or RoutingDecision version is not newer than the applied one (replay or reordering).' },
  SLB_SERVICE_CONFIG_UNKNOWN_SERVICE: { retriable: false, summary: 'A ConfigUpdate deletes, or names a previous version of, a service that has no config.' },
  SLB_SERVICE_CONFIG_CONFLICT: { retriable: false, summary: "A ConfigUpdate's previousVersion is not the service's current version (a concurrent writer got there first)." },
  // controller admin API (services/controller)
  SLB_CONTROLLER_UNAUTHORIZED: { retriable: false, httpStatus: 401, summary: 'A controller admin mutation lacks a valid bearer token (or no SLB_ADMIN_TOKEN is configured).' },
  SLB_CONTROLLER_NOT_FOUND: { retriable: false, httpStatus: 404, summary: 'A controller admin API resource (service, instance) does not exist.' },
  SLB_CONTROLLER_BAD_REQUEST: { retriable: false, httpStatus: 400, summary: 'A controller admin API request body or parameter is invalid.' },
  // console (services/controller/src/console)
  SLB_CONSOLE_BUSY: { retriable: true, httpStatus: 503, summary: 'The console already serves its maximum number of live streams; retry later.' },
  // proxy data plane: the answers clients get (body {code, message})
  SLB_PROXY_NO_ROUTE: { retriable: false, httpStatus: 404, summary: 'No configured route matches the request host and path.' },
  SLB_PROXY_NO_HEALTHY_INSTANCE: { retriable: true, httpStatus: 503, summary: 'The service has no instance that can take the request.' },
  SLB_PROXY_UPSTREAM_TIMEOUT: { retriable: true, httpStatus: 504, summary: 'The upstream did not answer within the per-try or overall timeout.' },
  SLB_PROXY_UPSTREAM_CONNECT_FAILED: { retriable: true, httpStatus: 502, summary: 'The upstream refused or could not be connected to.' },
  SLB_PROXY_UPSTREAM_RESET: { retriable: true, httpStatus: 502, summary: 'The upstream closed or reset the connection before a complete response.' },
  SLB_PROXY_CIRCUIT_OPEN: { retriable: true, httpStatus: 503, summary: "Every candidate instance is at its circuit-breaker limit (max requests / pending / connections)." },
  SLB_PROXY_BAD_REQUEST: { retriable: false, httpStatus: 400, summary: 'The request is malformed (framing, headers) and was not forwarded.' },
  SLB_PROXY_BAD_PATH: { retriable: false, httpStatus: 400, summary: 'The request path cannot be normalised safely (invalid percent-encoding, a backslash or fragment, an escaped slash refused by SLB_PATH_ESCAPED_SLASHES or hiding a dot segment) and was not forwarded.' },
  SLB_PROXY_BAD_HOST: { retriable: false, httpStatus: 400, summary: 'The Host header is not a valid host[:port] (RFC 9112 §3.2) and the request was not forwarded.' },
  SLB_PROXY_METHOD_NOT_ALLOWED: { retriable: false, httpStatus: 405, summary: 'The proxy does not forward this method (CONNECT always, TRACE unless SLB_ALLOW_TRACE); the Allow header lists what it forwards.' },
  SLB_PROXY_NOT_IMPLEMENTED: { retriable: false, httpStatus: 501, summary: 'The request needs something the proxy does not implement (a transfer coding other than chunked) and was not forwarded.' },
  SLB_PROXY_BODY_TOO_LARGE: { retriable: false, httpStatus: 413, summary: 'The request body exceeds the configured limit.' },
  SLB_PROXY_URL_TOO_LONG: { retriable: false, httpStatus: 414, summary: 'The request target exceeds the configured limit.' },
  SLB_PROXY_HEADERS_TOO_LARGE: { retriable: false, httpStatus: 431, summary: 'The request has too many header fields or they are too large.' },
  SLB_PROXY_REQUEST_TIMEOUT: { retriable: true, httpStatus: 408, summary: 'The client did not send the request in time.' },
  SLB_PROXY_UNAUTHORIZED: { retriable: false, httpStatus: 401, summary: 'An admin mutation lacks a valid bearer token.' },
  SLB_PROXY_NOT_FOUND: { retriable: false, httpStatus: 404, summary: 'An admin API resource (service, instance) does not exist.' },
  SLB_SNAPSHOT_UNREADABLE: { retriable: false, summary: 'The on-disk last-known-good snapshot could not be read or parsed; the proxy starts without it.' },
  // alert-router: routing table and notification delivery
  SLB_ALERT_ROUTES_INVALID: { retriable: false, summary: 'The alert routing table is invalid (every problem listed with its field path).' },
  SLB_NOTIFY_FAILED: { retriable: true, summary: 'A notification could not be delivered to Alertmanager or a webhook (after retries, or refused with a 4xx).' },
  // slbctl (operator CLI)
  SLB_CLI_USAGE: { retriable: false, summary: 'slbctl was given bad command-line arguments (unknown command or option, missing or malformed value).' },
  SLB_CLI_NOT_FOUND: { retriable: false, summary: 'What slbctl was asked about (service, config version, instance, dead letter) is not on the topics.' },
  SLB_CONFIG_NOT_CONVERGED: { retriable: true, summary: 'A pushed config was not applied by every live proxy before the timeout.' },
  SLB_CONFIG_REJECTED: { retriable: false, summary: 'A proxy rejected a pushed config (its config-status names the reason).' },
  // demo upstreams (npm start, docker-compose)
  SLB_DEMO_KNOB_INVALID: { retriable: false, httpStatus: 400, summary: 'A demo instance knob (latencyMs, errorRate) is out of range.' },
  // tooling
  SLB_TOOL_MISSING: { retriable: false, summary: 'A required program (java, mvn, ...) is not installed.' },
  // load generator (bench/loadtest)
  SLB_LOADTEST_USAGE: { retriable: false, summary: 'The load generator was given bad command-line arguments (unknown option, malformed rate, duration or burst).' },
  SLB_LOADTEST_TARGET_UNREACHABLE: { retriable: true, summary: 'The load generator could not connect to its target URL, or the target answered no request at all.' },
} as const satisfies Record<string, ErrorCodeEntry>;

export type ErrorCode = keyof typeof ERROR_CODES;
