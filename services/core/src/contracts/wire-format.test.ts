import { describe, expect, it } from 'vitest';
import { frame, unframe } from './wire-format.js';

describe('Confluent wire format', () => {
  it('frames magic byte 0, a big-endian schema id, then the body', () => {
    const bytes = frame(0x01020304, Buffer.from([9, 8]));
    expect([...bytes]).toEqual([0, 1, 2, 3, 4, 9, 8]);
    expect(unframe('t', bytes)).toEqual({ schemaId: 0x01020304, body: Buffer.from([9, 8]) });
  });

  it.each([
    ['a bad magic byte', Buffer.from([1, 0, 0, 0, 1, 0]), 'bad-magic-byte'],
    ['fewer than 5 bytes', Buffer.from([0, 0, 1]), 'too-short'],
    ['JSON text', Buffer.from('{"a":1}'), 'bad-magic-byte'],
  ])('refuses %s as undecodable', (_name, bytes, reason) => {
    expect(() => unframe('t', bytes)).toThrow(expect.objectContaining({ code: 'SLB_EVENT_UNDECODABLE', details: expect.objectContaining({ reason }) }));
  });
});
