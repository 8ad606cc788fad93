/**
 * A bounds-checked dry run over Avro binary before avsc decodes it. avsc trusts the block
 * counts in the bytes: garbage that starts with a valid header and claims an array of 2^40
 * items makes it loop and allocate until the process dies. One poison message must never
 * kill a consumer (rule 3, docs/architecture.md), so every length and count is checked against the
 * bytes that remain, in one linear pass, without building values.
 */
import type avro from 'avsc';

class Cursor {
  pos = 0;
  constructor(private readonly buf: Buffer) {}

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  /** Zig-zag varint long; magnitude only needs to be approximately right beyond 2^53. */
  long(): number {
    let raw = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const byte = this.buf[this.pos++];
      if (byte === undefined) throw new Error('truncated varint');
      raw += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
      scale *= 128;
    }
    throw new Error('varint longer than 10 bytes');
  }

  skip(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0 || n > this.remaining) throw new Error(`length ${n} exceeds the ${this.remaining} bytes left`);
    this.pos += n;
  }
}

/** The fewest bytes one value of `type` takes (0 for null, empty records). */
function minSize(type: avro.Type): number {
  switch (type.typeName) {
    case 'null':
      return 0;
    case 'float':
      return 4;
    case 'double':
      return 8;
    case 'fixed':
      return (type as avro.types.FixedType).size;
    case 'record':
      return (type as avro.types.RecordType).fields.reduce((sum, f) => sum + minSize(f.type), 0);
    default:
      return 1;
  }
}

/** Items with no minimum size cannot be bounded by bytes; cap them instead. */
const MAX_ZERO_SIZE_ITEMS = 1_000_000;

function scanBlocks(c: Cursor, itemMin: number, scanItem: () => void): void {
  for (;;) {
    let n = c.long();
    if (n === 0) return;
    if (n < 0) {
      n = -n;
      c.long(); // block size in bytes, unused
    }
    const limit = itemMin === 0 ? MAX_ZERO_SIZE_ITEMS : c.remaining / itemMin;
    if (n > limit) throw new Error(`block of ${n} items cannot fit in the ${c.remaining} bytes left`);
    for (let i = 0; i < n; i++) scanItem();
  }
}

function scan(type: avro.Type, c: Cursor): void {
  switch (type.typeName) {
    case 'null':
      return;
    case 'boolean':
      c.skip(1);
      return;
    case 'int':
    case 'long':
      c.long();
      return;
    case 'float':
      c.skip(4);
      return;
    case 'double':
      c.skip(8);
      return;
    case 'bytes':
    case 'string':
      c.skip(c.long());
      return;
    case 'fixed':
      c.skip((type as avro.types.FixedType).size);
      return;
    case 'enum': {
      const index = c.long();
      if (index < 0 || index >= (type as avro.types.EnumType).symbols.length) throw new Error(`enum index ${index} out of range`);
      return;
    }
    case 'array': {
      const items = (type as avro.types.ArrayType).itemsType;
      scanBlocks(c, minSize(items), () => scan(items, c));
      return;
    }
    case 'map': {
      const values = (type as avro.types.MapType).valuesType as avro.Type;
      scanBlocks(c, 1 + minSize(values), () => {
        c.skip(c.long());
        scan(values, c);
      });
      return;
    }
    case 'record':
      for (const field of (type as avro.types.RecordType).fields) scan(field.type, c);
      return;
    default: {
      if (type.typeName.startsWith('union')) {
        const index = c.long();
        const branch = (type as avro.types.UnwrappedUnionType).types[index];
        if (branch === undefined) throw new Error(`union index ${index} out of range`);
        scan(branch, c);
        return;
      }
      const underlying = (type as { underlyingType?: avro.Type }).underlyingType;
      if (underlying === undefined) throw new Error(`cannot scan Avro type ${type.typeName}`);
      scan(underlying, c);
    }
  }
}

/** Why `body` cannot be a value of `writer`, or null when every length fits and nothing trails. */
export function avroBoundsProblem(writer: avro.Type, body: Buffer): string | null {
  const cursor = new Cursor(body);
  try {
    scan(writer, cursor);
  } catch (error) {
    return (error as Error).message;
  }
  return cursor.remaining === 0 ? null : `${cursor.remaining} trailing bytes`;
}
