/**
 * Derive, at test time, a causal LM export that declares the extra inputs merged decoders have
 * (`past_key_values.{i}.key|value`, `use_cache_branch`, `num_logits_to_keep`) from the fixture's model.onnx, by
 * appending graph inputs to its protobuf. The extra inputs are unused by the graph, but onnxruntime still
 * requires every declared input to be fed with the declared type, rank and fixed dims.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fields, varint } from "../../src/engine/graph/wire.js";

const field = (num: number, bytes: ArrayLike<number>) => [
  ...varint((num << 3) | 2),
  ...varint(bytes.length),
  ...Array.from(bytes),
];
const fieldVarint = (num: number, value: number) => [...varint(num << 3), ...varint(value)];
const text = (s: string) => Array.from(Buffer.from(s, "utf8"));

type Dim = number | string;
/** ValueInfoProto { name, type: TypeProto { tensor_type { elem_type, shape { dim* } } } } */
function valueInfo(name: string, elemType: number, dims: Dim[]): number[] {
  const shape = dims.flatMap((d) => field(1, typeof d === "number" ? fieldVarint(1, d) : field(2, text(d))));
  const tensor = [...fieldVarint(1, elemType), ...field(2, shape)];
  return [...field(1, text(name)), ...field(2, field(1, tensor))];
}

/** Rewrite ModelProto so that its graph (field 7) ends with `extra` bytes. */
function appendToGraph(model: Uint8Array, extra: number[]): Uint8Array {
  const parts = fields(model).map((f) =>
    f.num === 7 && f.body !== undefined
      ? Buffer.concat([
          Uint8Array.from([...varint((7 << 3) | 2), ...varint(f.body.length + extra.length)]),
          f.body,
          Uint8Array.from(extra),
        ])
      : f.raw,
  );
  return Buffer.concat(parts);
}

const FLOAT = 1;
const INT64 = 7;
const BOOL = 9;
const FLOAT16 = 10;

/** A temp model folder (config and tokenizer symlinked) whose `onnx/<file>` declares a KV cache of `layers`. */
export function modelWithCacheInputs(
  fixtureDir: string,
  opts: { layers: number; kvHeads: Dim; headDim: Dim; file?: string; fp16Cache?: boolean },
): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "rerankers-causal-"));
  for (const f of ["config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"]) {
    symlinkSync(join(fixtureDir, f), join(dir, f));
  }
  const extra: number[] = [];
  for (let i = 0; i < opts.layers; i++) {
    for (const kind of ["key", "value"]) {
      const info = valueInfo(`past_key_values.${i}.${kind}`, opts.fp16Cache ? FLOAT16 : FLOAT, [
        "batch_size",
        opts.kvHeads,
        "past_sequence_length",
        opts.headDim,
      ]);
      extra.push(...field(11, info));
    }
  }
  extra.push(...field(11, valueInfo("use_cache_branch", BOOL, [1])));
  extra.push(...field(11, valueInfo("num_logits_to_keep", INT64, [])));
  const model = appendToGraph(readFileSync(join(fixtureDir, "onnx", "model.onnx")), extra);
  mkdirSync(join(dir, "onnx"));
  writeFileSync(join(dir, "onnx", opts.file ?? "decoder_model_merged.onnx"), model);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
