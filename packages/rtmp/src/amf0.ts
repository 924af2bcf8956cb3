/** AMF0 values: an object decodes to a null-prototype record, an ECMA array to a Map, a strict array to an Array. */
export type AmfValue = number | boolean | string | null | undefined | Date | AmfValue[] | AmfObject | Map<string, AmfValue>;
export interface AmfObject {
  [key: string]: AmfValue;
}

export class AmfDecodeError extends Error {
  override name = "AmfDecodeError";
}

const MARKER = {
  number: 0x00,
  boolean: 0x01,
  string: 0x02,
  object: 0x03,
  null: 0x05,
  undefined: 0x06,
  ecmaArray: 0x08,
  objectEnd: 0x09,
  strictArray: 0x0a,
  date: 0x0b,
  longString: 0x0c,
  unsupported: 0x0d,
  xmlDocument: 0x0f,
  typedObject: 0x10,
} as const;

const MAX_DEPTH = 32;

class Reader {
  constructor(
    private readonly buffer: Buffer,
    public offset: number,
  ) {}

  take(length: number): number {
    if (this.offset + length > this.buffer.length) throw new AmfDecodeError("truncated AMF0 value");
    const at = this.offset;
    this.offset += length;
    return at;
  }

  get remaining() {
    return this.buffer.length - this.offset;
  }

  u8() {
    return this.buffer[this.take(1)]!;
  }
  u16() {
    return this.buffer.readUInt16BE(this.take(2));
  }
  u32() {
    return this.buffer.readUInt32BE(this.take(4));
  }
  f64() {
    return this.buffer.readDoubleBE(this.take(8));
  }
  utf8(length: number) {
    const at = this.take(length);
    return this.buffer.toString("utf8", at, at + length);
  }

  value(depth: number): AmfValue {
    if (depth > MAX_DEPTH) throw new AmfDecodeError("AMF0 value nested too deeply");
    const marker = this.u8();
    switch (marker) {
      case MARKER.number:
        return this.f64();
      case MARKER.boolean:
        return this.u8() !== 0;
      case MARKER.string:
        return this.utf8(this.u16());
      case MARKER.longString:
      case MARKER.xmlDocument:
        return this.utf8(this.u32());
      case MARKER.object:
        return this.properties(depth, false);
      case MARKER.typedObject:
        this.utf8(this.u16());
        return this.properties(depth, false);
      case MARKER.ecmaArray: {
        this.u32(); // the count is advisory: encoders get it wrong, the end marker is what counts
        const entries = this.properties(depth, depth === 0);
        return new Map(Object.entries(entries));
      }
      case MARKER.strictArray: {
        const count = this.u32();
        if (count > this.remaining) throw new AmfDecodeError("AMF0 strict array longer than its message");
        const values: AmfValue[] = [];
        for (let i = 0; i < count; i++) values.push(this.value(depth + 1));
        return values;
      }
      case MARKER.date: {
        const time = this.f64();
        this.take(2); // time zone: reserved, always 0
        return new Date(time);
      }
      case MARKER.null:
        return null;
      case MARKER.undefined:
      case MARKER.unsupported:
        return undefined;
      default:
        throw new AmfDecodeError(`unsupported AMF0 marker 0x${marker.toString(16).padStart(2, "0")}`);
    }
  }

  private properties(depth: number, endMarkerOptional: boolean): AmfObject {
    const into = Object.create(null) as AmfObject;
    for (;;) {
      // Some encoders end a top-level ECMA array (onMetaData) with the message instead of an end marker.
      if (endMarkerOptional && this.remaining === 0) return into;
      const key = this.utf8(this.u16());
      if (key === "" && this.buffer[this.offset] === MARKER.objectEnd) {
        this.offset += 1;
        return into;
      }
      into[key] = this.value(depth + 1);
    }
  }
}

/** Decodes one value at `offset`; returns it with the offset just past it. */
export function decodeAmf0Value(buffer: Buffer, offset = 0): { value: AmfValue; offset: number } {
  const reader = new Reader(buffer, offset);
  const value = reader.value(0);
  return { value, offset: reader.offset };
}

/** Decodes every value of a message body (a command or a data message). */
export function decodeAmf0(buffer: Buffer, offset = 0): AmfValue[] {
  const reader = new Reader(buffer, offset);
  const values: AmfValue[] = [];
  while (reader.remaining > 0) values.push(reader.value(0));
  return values;
}

export function encodeAmf0(...values: AmfValue[]): Buffer {
  const parts: Buffer[] = [];
  for (const value of values) encodeValue(value, parts);
  return Buffer.concat(parts);
}

function encodeValue(value: AmfValue, parts: Buffer[]): void {
  if (value === null) {
    parts.push(Buffer.from([MARKER.null]));
  } else if (value === undefined) {
    parts.push(Buffer.from([MARKER.undefined]));
  } else if (typeof value === "number") {
    const out = Buffer.allocUnsafe(9);
    out[0] = MARKER.number;
    out.writeDoubleBE(value, 1);
    parts.push(out);
  } else if (typeof value === "boolean") {
    parts.push(Buffer.from([MARKER.boolean, value ? 1 : 0]));
  } else if (typeof value === "string") {
    const text = Buffer.from(value, "utf8");
    if (text.length > 0xffff) {
      const head = Buffer.allocUnsafe(5);
      head[0] = MARKER.longString;
      head.writeUInt32BE(text.length, 1);
      parts.push(head, text);
    } else {
      const head = Buffer.allocUnsafe(3);
      head[0] = MARKER.string;
      head.writeUInt16BE(text.length, 1);
      parts.push(head, text);
    }
  } else if (value instanceof Date) {
    const out = Buffer.alloc(11);
    out[0] = MARKER.date;
    out.writeDoubleBE(value.getTime(), 1);
    parts.push(out);
  } else if (Array.isArray(value)) {
    const head = Buffer.allocUnsafe(5);
    head[0] = MARKER.strictArray;
    head.writeUInt32BE(value.length, 1);
    parts.push(head);
    for (const item of value) encodeValue(item, parts);
  } else if (value instanceof Map) {
    const head = Buffer.allocUnsafe(5);
    head[0] = MARKER.ecmaArray;
    head.writeUInt32BE(value.size, 1);
    parts.push(head);
    encodeProperties(value.entries(), parts);
  } else {
    parts.push(Buffer.from([MARKER.object]));
    encodeProperties(Object.entries(value), parts);
  }
}

function encodeProperties(entries: Iterable<[string, AmfValue]>, parts: Buffer[]): void {
  for (const [key, item] of entries) {
    const name = Buffer.from(key, "utf8");
    const head = Buffer.allocUnsafe(2);
    head.writeUInt16BE(name.length, 0);
    parts.push(head, name);
    encodeValue(item, parts);
  }
  parts.push(Buffer.from([0x00, 0x00, MARKER.objectEnd]));
}
