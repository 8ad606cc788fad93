import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { TOPIC_NAMES } from '../topics/catalogue.js';
import { exampleEvents } from './examples.js';
import { avroBoundsProblem } from './avro-bounds.js';
import { topicType } from './schemas.js';

describe('avroBoundsProblem', () => {
  it.each(TOPIC_NAMES)('passes a real %s body', (topic) => {
    const type = topicType(topic);
    expect(avroBoundsProblem(type, type.toBuffer(exampleEvents()[topic]))).toBeNull();
  });

  const list = avro.Type.forSchema({ type: 'array', items: 'string' });
  const ints = avro.Type.forSchema({ type: 'map', values: 'int' });

  it.each([
    // zig-zag 2^40 items of string: avsc alone would loop and allocate until it died
    ['an array count far beyond the bytes', list, Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x40, 0x61]), /cannot fit/],
    ['a string longer than the bytes', list, Buffer.from([0x02, 0x20, 0x61, 0x00]), /exceeds/],
    ['a negative length', list, Buffer.from([0x02, 0x01, 0x00]), /length -1/],
    ['a map count beyond the bytes', ints, Buffer.from([0xfe, 0xff, 0x03, 0x00]), /cannot fit/],
    ['trailing bytes', list, Buffer.from([0x00, 0x01]), /1 trailing bytes/],
    ['a truncated varint', list, Buffer.from([0x80]), /truncated/],
  ])('refuses %s', (_name, type, body, problem) => {
    expect(avroBoundsProblem(type, body)).toMatch(problem);
  });

  it('accepts negative block counts with their byte size (the Avro block form)', () => {
    // -1 items (zig-zag 0x01), block size 2 bytes, item "a", end
    expect(avroBoundsProblem(list, Buffer.from([0x01, 0x04, 0x02, 0x61, 0x00]))).toBeNull();
  });
});
