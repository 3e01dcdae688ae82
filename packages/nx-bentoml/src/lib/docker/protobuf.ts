/**
 * The little of protobuf's wire format that BuildKit's messages need here: reading a message's
 * top-level fields, writing length-delimited ones. BuildKit's protos are not worth a protobuf
 * runtime for the handful of fields read and written.
 */

export interface ProtobufField {
  number: number;
  varint?: number;
  bytes?: Buffer;
}

/** The top-level fields of one protobuf message (varints and length-delimited; fixed-width skipped). */
export function* protobufFields(buffer: Buffer): Generator<ProtobufField> {
  let offset = 0;
  const varint = () => {
    let value = 0;
    let shift = 0;
    for (;;) {
      if (offset >= buffer.length) throw new Error('Truncated protobuf message.');
      const byte = buffer[offset++];
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
      shift += 7;
    }
  };
  while (offset < buffer.length) {
    const key = varint();
    const number = Math.floor(key / 8);
    const wireType = key & 7;
    if (wireType === 0) yield { number, varint: varint() };
    else if (wireType === 2) {
      const length = varint();
      yield { number, bytes: buffer.subarray(offset, offset + length) };
      offset += length;
    } else if (wireType === 1) offset += 8;
    else if (wireType === 5) offset += 4;
    else throw new Error(`Unexpected protobuf wire type ${wireType} in a protobuf message.`);
  }
}

/** One length-delimited field (string, bytes or an embedded message). */
export function protobufBytesField(number: number, value: Buffer | string): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  return Buffer.concat([varint(number * 8 + 2), varint(bytes.length), bytes]);
}

/** One varint field (an integer, a bool or an enum). */
export function protobufVarintField(number: number, value: number): Buffer {
  return Buffer.concat([varint(number * 8), varint(value)]);
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}
