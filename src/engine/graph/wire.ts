/**
 * The protobuf wire format, as far as ONNX graph rewriting needs it: a flat walk over one message's fields and
 * encoders for the few field kinds we write. Fields we do not touch are copied byte for byte, so nothing in a model
 * (opsets, metadata, fields newer than this code) is lost by a rewrite.
 */

export interface Field {
  num: number;
  /** 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32. */
  wire: number;
  /** The field's whole encoding, key included (copied as is when a message is rebuilt). */
  raw: Uint8Array;
  /** Payload of a length-delimited field. */
  body?: Uint8Array;
  /** Value of a varint field, as a signed int64 (negative axes are common; beyond 2^53 precision is lost). */
  value?: number;
  /** Value of a fixed32 field, as a float. */
  float?: number;
}

function readVarint(buf: Uint8Array, at: number): [number, number] {
  let n = 0n;
  let shift = 0n;
  for (;;) {
    if (at >= buf.length) throw new RangeError("truncated varint");
    const b = buf[at++];
    n |= BigInt(b & 127) << shift;
    if (b < 128) return [Number(BigInt.asIntN(64, n)), at];
    shift += 7n;
  }
}

/** Top-level fields of one message, in order. */
export function fields(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  let at = 0;
  while (at < buf.length) {
    const start = at;
    const [tag, afterTag] = readVarint(buf, at);
    const wire = tag & 7;
    at = afterTag;
    const field: Omit<Field, "raw"> = { num: Math.floor(tag / 8), wire };
    if (wire === 0) [field.value, at] = readVarint(buf, at);
    else if (wire === 1) at += 8;
    else if (wire === 5) {
      field.float = new DataView(buf.buffer, buf.byteOffset + at, 4).getFloat32(0, true);
      at += 4;
    } else if (wire === 2) {
      const [len, afterLen] = readVarint(buf, at);
      field.body = buf.subarray(afterLen, afterLen + len);
      at = afterLen + len;
    } else throw new RangeError(`unsupported protobuf wire type ${wire}`);
    if (at > buf.length) throw new RangeError("truncated protobuf field");
    out.push({ ...field, raw: buf.subarray(start, at) });
  }
  return out;
}

/** A varint's bytes; negative numbers as int64 two's complement (ten bytes), as protobuf writes them. */
export function varint(value: number): number[] {
  let n = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (n > 127n) {
    out.push(Number(n & 127n) | 128);
    n >>= 7n;
  }
  out.push(Number(n));
  return out;
}

/** Concatenate encoded pieces. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const utf8 = new TextEncoder();

/** The key and length that precede a length-delimited field's payload. */
export function fieldHeader(num: number, length: number): Uint8Array {
  return new Uint8Array([...varint(num * 8 + 2), ...varint(length)]);
}

/** A length-delimited field (bytes, string or sub-message). */
export function bytesField(num: number, body: Uint8Array | string): Uint8Array {
  const b = typeof body === "string" ? utf8.encode(body) : body;
  return concat([fieldHeader(num, b.length), b]);
}

export function varintField(num: number, value: number): Uint8Array {
  return new Uint8Array([...varint(num * 8), ...varint(value)]);
}

export function floatField(num: number, value: number): Uint8Array {
  const out = new Uint8Array([...varint(num * 8 + 5), 0, 0, 0, 0]);
  new DataView(out.buffer).setFloat32(out.length - 4, value, true);
  return out;
}
