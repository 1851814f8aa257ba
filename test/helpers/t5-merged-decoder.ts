/**
 * Build an Optimum-style merged decoder (`decoder_model_merged.onnx`) from a plain `decoder_model.onnx`, by editing
 * the ONNX protobuf directly: the outer graph declares the decoder's inputs plus `past_key_values.{i}.{decoder,encoder}.
 * {key,value}` ([batch, heads, past_len, d_kv]) and `use_cache_branch` (bool [1]), and an `If` on `use_cache_branch`
 * runs the original decoder graph in its else branch. onnxruntime checks every fed tensor against these declared
 * types and fixed dimensions, so this exercises the feed construction a real merged export needs.
 */
import { concat, type Field, fields, varint } from "../../src/engine/graph/wire.js";

/** A length-delimited field's payload. */
function payload(f: Field): Uint8Array {
  if (f.body === undefined) throw new Error(`field ${f.num} is not length-delimited`);
  return f.body;
}

const enc = new TextEncoder();
function bytesField(num: number, data: Uint8Array | number[]): Uint8Array {
  const body = data instanceof Uint8Array ? data : Uint8Array.from(data);
  return Uint8Array.from([...varint(num * 8 + 2), ...varint(body.length), ...body]);
}
const strField = (num: number, s: string) => bytesField(num, enc.encode(s));
const intField = (num: number, n: number) => Uint8Array.from([...varint(num * 8), ...varint(n)]);
const cat = (...parts: Uint8Array[]) => concat(parts);

const FLOAT = 1;
const BOOL = 9;

/** ValueInfoProto for a tensor input; string dims are symbolic. */
function tensorInfo(name: string, elemType: number, dims: (number | string)[]): Uint8Array {
  const shape = cat(
    ...dims.map((d) => bytesField(1, typeof d === "number" ? intField(1, d) : strField(2, d))),
  );
  const tensorType = cat(intField(1, elemType), bytesField(2, shape));
  return cat(strField(1, name), bytesField(2, bytesField(1, tensorType)));
}

function graphAttr(name: string, graph: Uint8Array): Uint8Array {
  return cat(strField(1, name), bytesField(6, graph), intField(20, 5));
}

export interface MergedGeometry {
  layers: number;
  heads: number;
  headDim: number;
}

/** The merged model's bytes, from the bytes of a no-past decoder. */
export function mergeDecoder(decoder: Uint8Array, g: MergedGeometry): Uint8Array {
  const model = fields(decoder);
  const graphField = model.find((f) => f.num === 7);
  if (!graphField) throw new Error("no graph in the decoder model");
  const graphBytes = payload(graphField);
  const graph = fields(graphBytes);
  const encoded = (f: Field) => f.raw;
  const inputs = graph.filter((f) => f.num === 11).map(encoded);
  const output = graph.find((f) => f.num === 12);
  if (!output) throw new Error("the decoder graph has no output");
  const outputName = new TextDecoder().decode(
    payload(fields(payload(output)).find((f) => f.num === 1) as Field),
  );

  // else: the original decoder (its inputs now come from the outer scope)
  const elseBranch = cat(...graph.filter((f) => f.num !== 11).map(encoded));
  // then: never taken here; any float rank-3 value will do
  const thenNode = cat(
    strField(1, "encoder_hidden_states"),
    strField(2, "then_out"),
    strField(3, "then_identity"),
    strField(4, "Identity"),
  );
  const thenBranch = cat(
    bytesField(1, thenNode),
    strField(2, "then_branch"),
    bytesField(12, tensorInfo("then_out", FLOAT, ["a", "b", "c"])),
  );

  const ifNode = cat(
    strField(1, "use_cache_branch"),
    strField(2, outputName),
    strField(3, "optimum::if"),
    strField(4, "If"),
    bytesField(5, graphAttr("then_branch", thenBranch)),
    bytesField(5, graphAttr("else_branch", elseBranch)),
  );
  const past: Uint8Array[] = [];
  for (let i = 0; i < g.layers; i++) {
    for (const part of ["decoder", "encoder"]) {
      const len = part === "decoder" ? "past_decoder_sequence_length" : "encoder_sequence_length_out";
      for (const kv of ["key", "value"]) {
        past.push(
          bytesField(
            11,
            tensorInfo(`past_key_values.${i}.${part}.${kv}`, FLOAT, ["batch_size", g.heads, len, g.headDim]),
          ),
        );
      }
    }
  }
  const outer = cat(
    bytesField(1, ifNode),
    strField(2, "merged_decoder"),
    ...inputs,
    ...past,
    bytesField(11, tensorInfo("use_cache_branch", BOOL, [1])),
    encoded(output),
  );
  return cat(...model.filter((f) => f.num !== 7).map((f) => f.raw), bytesField(7, outer));
}
