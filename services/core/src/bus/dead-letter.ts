/**
 * The DeadLetter record (proto/DeadLetter.avsc) for a message a consumer could not decode or
 * apply: the original bytes and origin, and the error, so an operator can inspect and replay it.
 */
import { isSlbError, type ErrorCode } from '../errors/index.js';
import type { TopicName } from '../topics/catalogue.js';
import type { EventOf } from './types.js';

export interface DeadLetterOrigin {
  readonly topic: TopicName;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
  readonly timestamp: number | null;
  readonly group: string;
}

/** The error code recorded for `error`: its SlbError code, else `fallback`. */
function deadLetterCode(error: unknown, fallback: ErrorCode): ErrorCode {
  return isSlbError(error) ? error.code : fallback;
}

export function deadLetterRecord(origin: DeadLetterOrigin, error: unknown, fallback: ErrorCode, now: number): EventOf<'dead-letters'> {
  const message = error instanceof Error ? error.message : String(error);
  return {
    originalTopic: origin.topic,
    partition: origin.partition,
    offset: Number(origin.offset),
    key: origin.key,
    value: origin.value,
    headers: { ...origin.headers },
    originalTimestampMs: origin.timestamp,
    errorCode: deadLetterCode(error, fallback),
    errorMessage: message.length > 4096 ? `${message.slice(0, 4093)}...` : message,
    failedAtMs: now,
    consumerGroup: origin.group,
  };
}
