import type { Admin, Kafka } from 'kafkajs';

/**
 * An admin client connected on first use and shared after; a failed connect is forgotten so the
 * next call tries again (a broker that was down at first use must not poison the process).
 */
export function lazyAdmin(kafka: Kafka): { get(): Promise<Admin>; close(): Promise<void> } {
  let client: Promise<Admin> | undefined;
  return {
    get() {
      client ??= (async () => {
        const a = kafka.admin();
        await a.connect();
        return a;
      })().catch((error: unknown) => {
        client = undefined;
        throw error;
      });
      return client;
    },
    async close() {
      const c = client;
      client = undefined;
      if (c !== undefined) await (await c.catch(() => undefined))?.disconnect();
    },
  };
}
