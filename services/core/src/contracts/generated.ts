/** PLACEHOLDER: regenerated from proto/*.avsc by `npm run gen:contracts`. */
import type { TopicName } from '../topics/catalogue.js';
export type TopicEvents = Record<TopicName, Record<string, unknown>>;
