import type { TopicName } from '../topics/catalogue.js';
import type { ValidationIssue } from './codec.js';

/** Issues with `value` as an event of `topic`; [] = valid. Pure: no registry, no I/O. */
export function validateEvent<T extends TopicName>(topic: T, value: unknown): ValidationIssue[] {
  void topic;
  void value;
  return [];
}
