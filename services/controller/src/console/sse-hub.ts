/**
 * The console's Server-Sent Events streams. A new stream gets a `snapshot` event at once, then
 * `delta` events as the model changes, and a comment line every heartbeat so idle intermediaries
 * keep it open. The page's EventSource reconnects by itself, and a reconnect starts again from a
 * fresh snapshot, so a stream that falls too far behind is simply closed rather than buffered
 * without bound.
 */
import type { ServerResponse } from 'node:http';

export interface SseHubOptions {
  readonly heartbeatMs: number;
  readonly maxClients: number;
  readonly maxClientBufferBytes: number;
  /** How long the browser waits before reconnecting (the SSE `retry` field). */
  readonly retryMs?: number;
}

export interface SseHub {
  readonly size: number;
  /** Adopts a response as a stream and sends it `first`. false when the hub is full or closed. */
  add(res: ServerResponse, first: { event: string; data: unknown }): boolean;
  broadcast(event: string, data: unknown): void;
  /** Ends every stream (server shutdown) and refuses new ones. */
  close(): void;
}

function frame(event: string, data: unknown): string {
  // JSON.stringify escapes newlines inside strings, so the payload is one `data:` line.
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export function createSseHub(options: SseHubOptions): SseHub {
  const clients = new Set<ServerResponse>();
  let closed = false;

  const drop = (res: ServerResponse): void => {
    clients.delete(res);
    if (!res.writableEnded) res.end();
  };
  const write = (res: ServerResponse, chunk: string): void => {
    if (res.writableLength > options.maxClientBufferBytes) {
      drop(res);
      return;
    }
    res.write(chunk);
  };

  const heartbeat = setInterval(() => {
    for (const res of clients) write(res, ': ping\n\n');
  }, options.heartbeatMs);
  heartbeat.unref();

  return {
    get size() {
      return clients.size;
    },
    add(res, first) {
      if (closed || clients.size >= options.maxClients) return false;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        // nginx and friends would otherwise buffer the stream.
        'x-accel-buffering': 'no',
        'x-content-type-options': 'nosniff',
      });
      clients.add(res);
      res.on('close', () => clients.delete(res));
      write(res, `retry: ${options.retryMs ?? 2_000}\n\n`);
      write(res, frame(first.event, first.data));
      return true;
    },
    broadcast(event, data) {
      if (clients.size === 0) return;
      const chunk = frame(event, data);
      for (const res of clients) write(res, chunk);
    },
    close() {
      closed = true;
      clearInterval(heartbeat);
      for (const res of [...clients]) drop(res);
    },
  };
}
