import type { Admin, Kafka } from 'kafkajs';
import { connectOnce } from './connect-once.js';

/** An admin client connected on first use and shared after; a failed connect is retried on the next call. */
export function lazyAdmin(kafka: Kafka): { get(): Promise<Admin>; close(): Promise<void> } {
  const client = connectOnce(async () => {
    const a = kafka.admin();
    await a.connect();
    return a;
  });
  return {
    get: () => client.get(),
    async close() {
      const c = client.forget();
      if (c !== undefined) await (await c.catch(() => undefined))?.disconnect();
    },
  };
}
