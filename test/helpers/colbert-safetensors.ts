import { writeFileSync } from "node:fs";

/** A tensor to write: raw little-endian bytes already in the file's dtype. */
export interface RawTensor {
  dtype: string;
  shape: number[];
  bytes: Uint8Array;
}

/** float32 values as little-endian bytes. */
export function f32Bytes(values: readonly number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => {
    view.setFloat32(i * 4, v, true);
  });
  return out;
}

/** 16-bit patterns (F16 or BF16) as little-endian bytes. */
export function u16Bytes(patterns: readonly number[]): Uint8Array {
  const out = new Uint8Array(patterns.length * 2);
  const view = new DataView(out.buffer);
  patterns.forEach((v, i) => {
    view.setUint16(i * 2, v, true);
  });
  return out;
}

/** Write a safetensors file as the format specifies: u64 LE header length, JSON header, packed data. */
export function writeSafetensors(
  path: string,
  tensors: Record<string, RawTensor>,
  metadata?: Record<string, string>,
): void {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.byteLength] };
    offset += t.bytes.byteLength;
  }
  let json = JSON.stringify(header);
  // The format pads the header with spaces to a multiple of 8 bytes.
  while ((8 + Buffer.byteLength(json)) % 8 !== 0) json += " ";
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  writeFileSync(
    path,
    Buffer.concat([head, Buffer.from(json), ...Object.values(tensors).map((t) => Buffer.from(t.bytes))]),
  );
}
