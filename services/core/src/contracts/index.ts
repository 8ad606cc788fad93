/**
 * PLACEHOLDER until proto/ codegen lands: maps every topic to its event type.
 * (Replaced by generated types from proto/*.avsc.)
 */
import type { TopicName } from '../topics/catalogue.js';
export type TopicEvents = Record<TopicName, Record<string, unknown>>;
