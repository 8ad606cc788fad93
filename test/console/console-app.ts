/**
 * A fastify app serving the console on an in-process bus, as the controller / standalone process
 * will: the tests drive it by publishing events on the bus.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { createInProcessBus, type EventBus } from '@slb/core';
// Not through '@slb/controller': its index belongs to the controller's own module list.
import { consolePlugin, type ConsoleOptions } from '../../services/controller/src/console/index.js';

export interface ConsoleApp {
  readonly app: FastifyInstance;
  readonly bus: EventBus;
  readonly url: string;
  close(): Promise<void>;
}

export async function startConsoleApp(options: Partial<Omit<ConsoleOptions, 'bus'>> = {}): Promise<ConsoleApp> {
  const bus = createInProcessBus();
  const app = Fastify({ logger: false });
  await app.register(consolePlugin, { bus, groupId: 'console-test', flushDelayMs: 20, ...options });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    app,
    bus,
    url: `${address}/`,
    async close() {
      await app.close();
      await bus.close();
    },
  };
}

/** Reads an SSE response frame by frame: `next()` resolves with the next event (comments skipped). */
export function sseReader(body: ReadableStream<Uint8Array>): { next(): Promise<{ event: string; data: unknown }>; cancel(): Promise<void> } {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  return {
    async next() {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = frame.split('\n');
          const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
          const data = lines.find((l) => l.startsWith('data: '))?.slice(6);
          if (event !== undefined && data !== undefined) return { event, data: JSON.parse(data) as unknown };
          continue;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('SSE stream ended');
        buffer += decoder.decode(value, { stream: true });
      }
    },
    cancel: () => reader.cancel(),
  };
}
