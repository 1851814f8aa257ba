import { ModelOutputError } from "../core/errors.js";

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** Any numeric ORT output as float32. */
export function toFloat32(type: string, data: unknown): Float32Array {
  if (data instanceof Float32Array) return data;
  if (type === "float16" && data instanceof Uint16Array) return Float32Array.from(data, halfToFloat);
  if (ArrayBuffer.isView(data))
    return Float32Array.from(data as unknown as ArrayLike<number | bigint>, Number);
  throw new ModelOutputError(`model output of type ${type} is not numeric`);
}
