import { PassThrough } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { BufferedBody, bufferFits, type BufferOutcome } from './request-body.js';

describe('bufferFits', () => {
  const cases: Array<[string | undefined, number, boolean]> = [
    ['10', 1024, true],
    ['1024', 1024, true],
    ['1025', 1024, false],
    [undefined, 1024, true], // chunked: read until it outgrows the buffer
    ['10', 0, false], // buffering off
    [undefined, 0, false],
  ];
  it.each(cases)('content-length %s, buffer %i -> %s', (length, buffer, fits) => {
    expect(bufferFits(length, buffer)).toBe(fits);
  });
});

/** A stand-in request: a stream with node's `complete` flag, set when it ends. */
function request(): PassThrough & { complete: boolean } {
  const req = Object.assign(new PassThrough(), { complete: false });
  req.on('end', () => (req.complete = true));
  return req;
}

function readWith(bufferBytes: number, maxBodyBytes: number, feed: (req: PassThrough & { complete: boolean }) => void): Promise<BufferOutcome> {
  const req = request();
  const body = new BufferedBody(req as unknown as IncomingMessage, bufferBytes, maxBodyBytes);
  const outcome = new Promise<BufferOutcome>((resolve) => body.read(resolve));
  feed(req);
  return outcome;
}

describe('BufferedBody', () => {
  it('gives the whole body when it ends within the buffer', async () => {
    const outcome = await readWith(16, 0, (req) => {
      req.write('hello ');
      req.end('world');
    });
    expect(outcome.kind === 'complete' && outcome.body.toString()).toBe('hello world');
  });

  it('hands over what it read when the body outgrows the buffer', async () => {
    const outcome = await readWith(8, 0, (req) => {
      req.write('12345');
      req.write('67890');
    });
    expect(outcome.kind === 'outgrown' && Buffer.concat(outcome.head).toString()).toBe('1234567890');
  });

  it('stops at the body limit before the buffer', async () => {
    const outcome = await readWith(64, 8, (req) => req.write('0123456789'));
    expect(outcome.kind).toBe('too-large');
  });

  it('reports a request that closes before its body ended', async () => {
    const outcome = await readWith(64, 0, (req) => {
      req.write('part');
      req.destroy();
    });
    expect(outcome.kind).toBe('aborted');
  });

  it('calls back at most once, and not at all after stop', async () => {
    const req = request();
    const body = new BufferedBody(req as unknown as IncomingMessage, 64, 0);
    const seen: string[] = [];
    body.read((o) => seen.push(o.kind));
    body.stop();
    req.end('late');
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([]);
  });
});
