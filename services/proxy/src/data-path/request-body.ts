/**
 * Reading a request body whole before an instance is picked (nginx's `proxy_request_buffering
 * on`): while a client trickles its body, no upstream connection or breaker slot is held, and a
 * body in memory can be sent again (retries, hedges). Bodies larger than the service's
 * `requestBufferBytes` are streamed: one declared larger (Content-Length) from the start, a
 * chunked one from the moment it outgrows the buffer, with what was read so far sent first.
 */
import type { IncomingMessage } from 'node:http';

/** Whether a body of this declared length (undefined: chunked) is read whole first. */
export function bufferFits(contentLength: string | undefined, bufferBytes: number): boolean {
  if (bufferBytes <= 0) return false;
  return contentLength === undefined || Number(contentLength) <= bufferBytes;
}

export type BufferOutcome =
  /** The whole body, in memory. */
  | { readonly kind: 'complete'; readonly body: Buffer }
  /** A chunked body grew past the proxy's body limit (413). */
  | { readonly kind: 'too-large' }
  /** A chunked body grew past the buffer: stream it, starting with `head`. */
  | { readonly kind: 'outgrown'; readonly head: readonly Buffer[] }
  /** The client's request ended before its body did (it left). */
  | { readonly kind: 'aborted' };

export class BufferedBody {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private done: ((outcome: BufferOutcome) => void) | undefined;

  /** `maxBodyBytes`: the proxy's body limit (0 = none). */
  constructor(
    private readonly req: IncomingMessage,
    private readonly bufferBytes: number,
    private readonly maxBodyBytes: number,
  ) {}

  /** Reads the body; `done` is called once, unless `stop` is called first. */
  read(done: (outcome: BufferOutcome) => void): void {
    this.done = done;
    const req = this.req;
    req.on('data', this.onData);
    req.once('end', this.onEnd);
    req.once('close', this.onClose);
  }

  /** Stops reading (the request was answered): the callback is not called. */
  stop(): void {
    this.detach();
    this.done = undefined;
  }

  private readonly onData = (chunk: Buffer): void => {
    this.size += chunk.length;
    this.chunks.push(chunk);
    if (this.maxBodyBytes > 0 && this.size > this.maxBodyBytes) this.finish({ kind: 'too-large' });
    else if (this.size > this.bufferBytes) this.finish({ kind: 'outgrown', head: this.chunks });
  };

  private readonly onEnd = (): void => {
    this.finish({ kind: 'complete', body: this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size) });
  };

  private readonly onClose = (): void => {
    if (!this.req.complete) this.finish({ kind: 'aborted' });
  };

  private finish(outcome: BufferOutcome): void {
    const done = this.done;
    this.stop();
    done?.(outcome);
  }

  private detach(): void {
    const req = this.req;
    req.removeListener('data', this.onData);
    req.removeListener('end', this.onEnd);
    req.removeListener('close', this.onClose);
  }
}
