import { open, readFile, stat } from "node:fs/promises";
import { endianness } from "node:os";
import { join } from "node:path";
import { ModelFilesError } from "../core/errors.js";

/** Floating-point dtypes we can decode to Float32Array. */
export type FloatDtype = "F64" | "F32" | "F16" | "BF16";

/** One entry of a safetensors header. `byteOffset` is absolute (from the start of the file). */
export interface TensorInfo {
  name: string;
  dtype: string;
  shape: number[];
  byteOffset: number;
  byteLength: number;
}

export interface SafetensorsHeader {
  path: string;
  tensors: ReadonlyMap<string, TensorInfo>;
  /** The optional `__metadata__` string map. */
  metadata: Readonly<Record<string, string>>;
}

/** A tensor decoded to float32, row-major. */
export interface FloatTensor {
  name: string;
  /** The dtype stored in the file. */
  dtype: FloatDtype;
  shape: number[];
  data: Float32Array;
}

const BYTES: Record<FloatDtype, number> = { F64: 8, F32: 4, F16: 2, BF16: 2 };
/** Guard against reading a huge "header" from a file that is not safetensors at all. */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

function corrupt(path: string, why: string): ModelFilesError {
  return new ModelFilesError(`${path} is not a valid safetensors file: ${why}`, { path });
}

/** Read and validate the JSON header (8-byte little-endian length + JSON), without reading tensor data. */
export async function readSafetensorsHeader(path: string): Promise<SafetensorsHeader> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (cause) {
    throw new ModelFilesError(`cannot read ${path}`, { cause, path });
  }
  const fh = await open(path, "r");
  try {
    if (size < 8) throw corrupt(path, "file is shorter than its 8-byte header length");
    const lenBuf = Buffer.alloc(8);
    await fh.read(lenBuf, 0, 8, 0);
    const headerLen = Number(lenBuf.readBigUInt64LE(0));
    if (headerLen < 2 || headerLen > MAX_HEADER_BYTES || 8 + headerLen > size) {
      throw corrupt(path, `header length ${headerLen} does not fit the file (${size} bytes)`);
    }
    const headerBuf = Buffer.alloc(headerLen);
    await fh.read(headerBuf, 0, headerLen, 8);
    let json: unknown;
    try {
      json = JSON.parse(headerBuf.toString("utf8"));
    } catch (cause) {
      throw new ModelFilesError(`${path} is not a valid safetensors file: header is not JSON`, {
        cause,
        path,
      });
    }
    if (typeof json !== "object" || json === null || Array.isArray(json))
      throw corrupt(path, "header is not an object");
    const dataStart = 8 + headerLen;
    const tensors = new Map<string, TensorInfo>();
    let metadata: Record<string, string> = {};
    for (const [name, raw] of Object.entries(json as Record<string, unknown>)) {
      if (name === "__metadata__") {
        metadata = (raw ?? {}) as Record<string, string>;
        continue;
      }
      const entry = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
      const offsets = entry?.data_offsets;
      if (
        typeof entry?.dtype !== "string" ||
        !Array.isArray(entry.shape) ||
        !entry.shape.every((d) => Number.isInteger(d) && d >= 0) ||
        !Array.isArray(offsets) ||
        offsets.length !== 2 ||
        !Number.isInteger(offsets[0]) ||
        !Number.isInteger(offsets[1]) ||
        offsets[0] < 0 ||
        offsets[1] < offsets[0]
      ) {
        throw corrupt(path, `bad header entry for "${name}"`);
      }
      const [begin, end] = offsets as [number, number];
      if (dataStart + end > size) throw corrupt(path, `tensor "${name}" extends past the end of the file`);
      tensors.set(name, {
        name,
        dtype: entry.dtype,
        shape: entry.shape as number[],
        byteOffset: dataStart + begin,
        byteLength: end - begin,
      });
    }
    return { path, tensors, metadata };
  } finally {
    await fh.close();
  }
}

function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Decode raw little-endian bytes of a float dtype to float32. */
export function decodeFloats(bytes: Uint8Array, dtype: FloatDtype): Float32Array {
  const n = bytes.byteLength / BYTES[dtype];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dtype === "F32") {
    if (endianness() === "LE" && bytes.byteOffset % 4 === 0)
      return new Float32Array(bytes.buffer, bytes.byteOffset, n).slice();
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
    return out;
  }
  const out = new Float32Array(n);
  if (dtype === "F64") {
    for (let i = 0; i < n; i++) out[i] = view.getFloat64(i * 8, true);
  } else if (dtype === "F16") {
    for (let i = 0; i < n; i++) out[i] = f16ToF32(view.getUint16(i * 2, true));
  } else {
    // bfloat16 is the upper half of a float32.
    const u32 = new Uint32Array(1);
    const f32 = new Float32Array(u32.buffer);
    for (let i = 0; i < n; i++) {
      u32[0] = view.getUint16(i * 2, true) << 16;
      out[i] = f32[0];
    }
  }
  return out;
}

/** Read one named tensor as float32. Reads only that tensor's bytes. */
export async function readTensor(source: string | SafetensorsHeader, name: string): Promise<FloatTensor> {
  const header = typeof source === "string" ? await readSafetensorsHeader(source) : source;
  const info = header.tensors.get(name);
  if (!info) throw new ModelFilesError(`${header.path} has no tensor "${name}"`, { path: header.path });
  if (!(info.dtype in BYTES)) {
    throw new ModelFilesError(
      `tensor "${name}" in ${header.path} has dtype ${info.dtype}; only F32, F16, BF16 and F64 are supported`,
      {
        path: header.path,
      },
    );
  }
  const dtype = info.dtype as FloatDtype;
  const count = info.shape.reduce((a, b) => a * b, 1);
  if (count * BYTES[dtype] !== info.byteLength) {
    throw corrupt(
      header.path,
      `tensor "${name}" has ${info.byteLength} bytes for shape [${info.shape.join(", ")}] ${dtype}`,
    );
  }
  const bytes = new Uint8Array(info.byteLength);
  const fh = await open(header.path, "r");
  try {
    let done = 0;
    while (done < bytes.byteLength) {
      const { bytesRead } = await fh.read(bytes, done, bytes.byteLength - done, info.byteOffset + done);
      if (bytesRead === 0) throw corrupt(header.path, `tensor "${name}" is truncated`);
      done += bytesRead;
    }
  } finally {
    await fh.close();
  }
  return { name, dtype, shape: [...info.shape], data: decodeFloats(bytes, dtype) };
}

/**
 * Find the safetensors file of a folder that holds `name`: `model.safetensors`, or the shard named by
 * `model.safetensors.index.json`. Returns undefined when the folder has neither or the tensor is absent.
 */
export async function findTensorFile(
  dir: string,
  name: string,
  base = "model",
): Promise<SafetensorsHeader | undefined> {
  const indexPath = join(dir, `${base}.safetensors.index.json`);
  let index: { weight_map?: Record<string, string> } | undefined;
  try {
    index = JSON.parse(await readFile(indexPath, "utf8"));
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new ModelFilesError(`cannot parse ${indexPath}`, { cause, path: indexPath });
    }
  }
  const file = index?.weight_map?.[name] ?? `${base}.safetensors`;
  const path = join(dir, file);
  try {
    await stat(path);
  } catch {
    return undefined;
  }
  const header = await readSafetensorsHeader(path);
  return header.tensors.has(name) ? header : undefined;
}
