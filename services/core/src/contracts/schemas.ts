/**
 * The avsc types of the topics, built once from the schemas embedded in generated.ts.
 */
import avro from 'avsc';
import { SlbError } from '../errors/index.js';
import { TOPICS, isTopicName, type TopicName } from '../topics/catalogue.js';
import { AVRO_SCHEMAS } from './generated.js';

const types = new Map<TopicName, avro.Type>();

/** The Avro schema (JSON) of a topic's events. */
export function topicSchema(topic: TopicName): object {
  if (!isTopicName(topic)) throw new SlbError('SLB_UNKNOWN_TOPIC', `unknown topic ${String(topic)}`, { details: { topic } });
  const schema = AVRO_SCHEMAS[TOPICS[topic].schema];
  if (schema === undefined) throw new SlbError('SLB_SCHEMA_INVALID', `no schema ${TOPICS[topic].schema} for topic ${topic}`);
  return schema;
}

/**
 * The avsc type of a topic. Unions of null and one type are unwrapped (avsc's default), so
 * values are the natural `T | null`; longs are JS numbers (avsc refuses unsafe integers).
 */
export function topicType(topic: TopicName): avro.Type {
  let type = types.get(topic);
  if (type === undefined) {
    type = avro.Type.forSchema(topicSchema(topic) as avro.Schema);
    types.set(topic, type);
  }
  return type;
}
