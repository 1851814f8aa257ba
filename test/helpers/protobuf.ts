/**
 * The few protobuf wire-format pieces the test helpers need to edit ONNX files in place (ModelProto is protobuf):
 * varints and a flat walk over one message's fields.
 */

/** A varint's bytes. */
export function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 127) {
    out.push((n & 127) | 128);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/** The varint at `at`: [value, position after it]. */
function readVarint(buf: Uint8Array, at: number): [number, number] {
  let n = 0;
  let mul = 1;
  for (;;) {
    const b = buf[at++];
    n += (b & 127) * mul;
    if (b < 128) return [n, at];
    mul *= 128;
  }
}

export interface Field {
  num: number;
  wire: number;
  /** Where the field's encoding (key included) starts and ends in the message. */
  start: number;
  end: number;
  /** Payload of a length-delimited field. */
  body?: Uint8Array;
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
    let body: Uint8Array | undefined;
    if (wire === 0) at = readVarint(buf, at)[1];
    else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else if (wire === 2) {
      const [len, afterLen] = readVarint(buf, at);
      body = buf.subarray(afterLen, afterLen + len);
      at = afterLen + len;
    } else throw new Error(`unexpected wire type ${wire}`);
    out.push({ num: tag >>> 3, wire, start, end: at, body });
  }
  return out;
}
