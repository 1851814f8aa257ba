/**
 * The external data files an ONNX graph refers to (`onnx.save(..., save_as_external_data=True)`: Optimum's
 * `model.onnx_data`, other exporters' `model.onnx.data`, transformers.js' `model.onnx_data_1`, …). onnxruntime
 * reads them from the graph's own folder (the path it was given, symlinks not resolved), under the exact name in
 * each initializer's `external_data.location`, so they must be downloaded next to the graph under that name.
 *
 * The protobuf is walked with positional reads (ModelProto.graph = 7 → GraphProto.initializer = 5 →
 * TensorProto.external_data = 13 of StringStringEntryProto {key = 1, value = 2}), skipping tensor bytes, so a
 * large graph with inline weights costs a few reads, not its size in memory.
 */
import { type FileHandle, open } from "node:fs/promises";
import { ModelFilesError } from "../core/errors.js";

const WINDOW = 64 * 1024;

class Reader {
  private buf = Buffer.alloc(0);
  private start = 0;
  constructor(
    private readonly file: FileHandle,
    readonly size: number,
  ) {}

  private async ensure(at: number, length: number): Promise<void> {
    if (at >= this.start && at + length <= this.start + this.buf.length) return;
    const want = Math.min(Math.max(length, WINDOW), this.size - at);
    const buf = Buffer.alloc(want);
    const { bytesRead } = await this.file.read(buf, 0, want, at);
    this.buf = buf.subarray(0, bytesRead);
    this.start = at;
  }

  async byte(at: number): Promise<number> {
    await this.ensure(at, 1);
    const b = this.buf[at - this.start];
    if (b === undefined) throw new RangeError("truncated protobuf");
    return b;
  }

  async bytes(at: number, length: number): Promise<Buffer> {
    await this.ensure(at, length);
    const out = this.buf.subarray(at - this.start, at - this.start + length);
    if (out.length !== length) throw new RangeError("truncated protobuf");
    return out;
  }

  async varint(at: number): Promise<[number, number]> {
    let n = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      const b = await this.byte(at++);
      n += (b & 127) * mul;
      if (b < 128) return [n, at];
      mul *= 128;
    }
    throw new RangeError("bad varint");
  }

  /** The fields in [from, to): number, wire type, and for length-delimited ones the payload range. */
  async *fields(from: number, to: number) {
    let at = from;
    while (at < to) {
      const [tag, afterTag] = await this.varint(at);
      const wire = tag & 7;
      let start = afterTag;
      let end: number;
      if (wire === 0) end = (await this.varint(afterTag))[1];
      else if (wire === 1) end = afterTag + 8;
      else if (wire === 5) end = afterTag + 4;
      else if (wire === 2) {
        const [len, afterLen] = await this.varint(afterTag);
        start = afterLen;
        end = afterLen + len;
      } else throw new RangeError(`unsupported wire type ${wire}`);
      if (end > to) throw new RangeError("field past its message");
      yield { num: tag >>> 3, wire, start, end };
      at = end;
    }
  }
}

/** `external_data` locations of one TensorProto. */
async function tensorLocations(r: Reader, from: number, to: number, out: Set<string>): Promise<void> {
  for await (const f of r.fields(from, to)) {
    if (f.num !== 13 || f.wire !== 2) continue;
    let key = "";
    let value = "";
    for await (const kv of r.fields(f.start, f.end)) {
      if (kv.wire !== 2 || kv.end - kv.start > 4096) continue;
      const text = (await r.bytes(kv.start, kv.end - kv.start)).toString("utf8");
      if (kv.num === 1) key = text;
      else if (kv.num === 2) value = text;
    }
    if (key === "location" && value !== "") out.add(value);
  }
}

/**
 * The distinct `location`s of the graph's external initializers (relative to the graph's folder), in order of
 * appearance. A file that is not a readable ONNX protobuf is a ModelFilesError.
 */
export async function externalDataLocations(path: string): Promise<string[]> {
  const file = await open(path, "r");
  try {
    const r = new Reader(file, (await file.stat()).size);
    const out = new Set<string>();
    for await (const f of r.fields(0, r.size)) {
      if (f.num !== 7 || f.wire !== 2) continue;
      for await (const g of r.fields(f.start, f.end)) {
        if (g.num === 5 && g.wire === 2) await tensorLocations(r, g.start, g.end, out);
      }
    }
    return [...out];
  } catch (cause) {
    if (cause instanceof RangeError) {
      throw new ModelFilesError(`${path} is not a valid ONNX file (${cause.message})`, { cause, path });
    }
    throw cause;
  } finally {
    await file.close();
  }
}
