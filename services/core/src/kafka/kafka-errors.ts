/** Classify kafkajs errors: which ones no retry can fix, and a stable label for metrics. */
interface ErrorLike {
  name?: string;
  retriable?: boolean;
  type?: string;
  cause?: unknown;
  code?: string;
}

function chain(error: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth += 1) {
    out.push(current as ErrorLike);
    current = (current as ErrorLike).cause;
  }
  return out;
}

/** A broker answer no retry can change (message too large, not authorized, ...). */
export function isPermanentKafkaError(error: unknown): boolean {
  return chain(error).some((e) => e.name === 'KafkaJSProtocolError' && e.retriable === false);
}

/** A metric label for an error: SlbError code, Kafka protocol error type, or the error name. */
export function errorType(error: unknown): string {
  const links = chain(error);
  const slb = links.find((e) => typeof e.code === 'string' && e.code.startsWith('SLB_'));
  if (slb?.code !== undefined) return slb.code;
  const protocol = links.find((e) => e.name === 'KafkaJSProtocolError' && typeof e.type === 'string');
  if (protocol?.type !== undefined) return protocol.type;
  const deepest = links[links.length - 1];
  return deepest?.name ?? 'Error';
}
