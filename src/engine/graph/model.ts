/**
 * An ONNX model as an editable list of nodes and initializers (ModelProto / GraphProto / NodeProto / TensorProto,
 * onnx.proto3 field numbers). Everything the rewrite does not touch keeps its original bytes.
 */
import { bytesField, concat, type Field, fieldHeader, fields, floatField, varintField } from "./wire.js";

const text = new TextDecoder();

/** TensorProto.DataType values used here. */
export const FLOAT = 1;
export const INT32 = 6;
export const INT64 = 7;

/** Attribute values the rewrites read or write; any other kind is kept as its encoding (`type` as in onnx.proto). */
export type AttributeValue =
  | { f: number }
  | { i: number }
  | { ints: number[] }
  | { raw: Uint8Array; type: number };

export interface OnnxNode {
  opType: string;
  domain: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attributes: Map<string, AttributeValue>;
  /** The original encoding, reused when the node is written back unchanged. */
  encoded?: Uint8Array;
}

export interface Initializer {
  name: string;
  dims: number[];
  dataType: number;
  /** The whole TensorProto encoding. */
  encoded: Uint8Array;
}

export interface OnnxModel {
  nodes: OnnxNode[];
  initializers: Map<string, Initializer>;
  /** Graph input and output names. */
  graphInputs: string[];
  graphOutputs: string[];
  /** Opset imports: domain ("" for ai.onnx) → version. */
  opsets: Map<string, number>;
  /** Model and graph fields kept as they were (everything but graph nodes and initializers). */
  modelRest: Field[];
  graphRest: Field[];
}

function repeatedInts(fs: Field[], num: number): number[] {
  const out: number[] = [];
  for (const f of fs.filter((x) => x.num === num)) {
    if (f.wire === 0) out.push(f.value ?? 0);
    else if (f.body) for (const g of packedAsFields(f.body)) out.push(g.value ?? 0);
  }
  return out;
}

/** Packed varints re-read as field-less varints: prefix each with a dummy key so `fields` can walk them. */
function packedAsFields(body: Uint8Array): Field[] {
  const out: Field[] = [];
  let at = 0;
  while (at < body.length) {
    let end = at;
    while (body[end] >= 128) end++;
    out.push(...fields(concat([new Uint8Array([8]), body.subarray(at, end + 1)])));
    at = end + 1;
  }
  return out;
}

function str(fs: Field[], num: number): string[] {
  return fs.filter((f) => f.num === num && f.body).map((f) => text.decode(f.body));
}

function decodeAttribute(body: Uint8Array): [string, AttributeValue] {
  const fs = fields(body);
  const name = str(fs, 1)[0] ?? "";
  const type = fs.find((f) => f.num === 20)?.value;
  if (type === 1) return [name, { f: fs.find((f) => f.num === 2)?.float ?? 0 }];
  if (type === 2) return [name, { i: fs.find((f) => f.num === 3)?.value ?? 0 }];
  if (type === 7) return [name, { ints: repeatedInts(fs, 8) }];
  return [name, { raw: body, type: type ?? 0 }];
}

function decodeNode(body: Uint8Array): OnnxNode {
  const fs = fields(body);
  return {
    inputs: str(fs, 1),
    outputs: str(fs, 2),
    name: str(fs, 3)[0] ?? "",
    opType: str(fs, 4)[0] ?? "",
    domain: str(fs, 7)[0] ?? "",
    attributes: new Map(
      fs.filter((f) => f.num === 5 && f.body).map((f) => decodeAttribute(f.body as Uint8Array)),
    ),
    encoded: body,
  };
}

export function decodeInitializer(body: Uint8Array): Initializer {
  const fs = fields(body);
  return {
    name: str(fs, 8)[0] ?? "",
    dims: repeatedInts(fs, 1),
    dataType: fs.find((f) => f.num === 2)?.value ?? 0,
    encoded: body,
  };
}

export function parseModel(bytes: Uint8Array): OnnxModel {
  const modelFields = fields(bytes);
  const graph = modelFields.find((f) => f.num === 7)?.body;
  if (!graph) throw new RangeError("not an ONNX model: no graph");
  const gf = fields(graph);
  const valueName = (f: Field) => str(fields(f.body as Uint8Array), 1)[0] ?? "";
  const opsets = new Map<string, number>();
  for (const f of modelFields.filter((x) => x.num === 8 && x.body)) {
    const o = fields(f.body as Uint8Array);
    opsets.set(str(o, 1)[0] ?? "", o.find((x) => x.num === 2)?.value ?? 0);
  }
  return {
    nodes: gf.filter((f) => f.num === 1 && f.body).map((f) => decodeNode(f.body as Uint8Array)),
    initializers: new Map(
      gf
        .filter((f) => f.num === 5 && f.body)
        .map((f) => {
          const t = decodeInitializer(f.body as Uint8Array);
          return [t.name, t];
        }),
    ),
    graphInputs: gf.filter((f) => f.num === 11).map(valueName),
    graphOutputs: gf.filter((f) => f.num === 12).map(valueName),
    opsets,
    modelRest: modelFields.filter((f) => f.num !== 7 && f.num !== 8),
    graphRest: gf.filter((f) => f.num !== 1 && f.num !== 5),
  };
}

function encodeAttribute(name: string, value: AttributeValue): Uint8Array {
  if ("raw" in value) return value.raw;
  const parts = [bytesField(1, name)];
  if ("f" in value) parts.push(floatField(2, value.f), varintField(20, 1));
  else if ("i" in value) parts.push(varintField(3, value.i), varintField(20, 2));
  else parts.push(...value.ints.map((v) => varintField(8, v)), varintField(20, 7));
  return concat(parts);
}

function encodeNode(n: OnnxNode): Uint8Array {
  if (n.encoded) return n.encoded;
  return concat([
    ...n.inputs.map((i) => bytesField(1, i)),
    ...n.outputs.map((o) => bytesField(2, o)),
    bytesField(3, n.name),
    bytesField(4, n.opType),
    ...[...n.attributes].map(([k, v]) => bytesField(5, encodeAttribute(k, v))),
    ...(n.domain ? [bytesField(7, n.domain)] : []),
  ]);
}

/** An integer attribute's value, or undefined when the node does not set it. */
export function intAttribute(n: OnnxNode, name: string): number | undefined {
  const a = n.attributes.get(name);
  return a && "i" in a ? a.i : undefined;
}

/** An integer-list attribute's values, or undefined when the node does not set it. */
export function intsAttribute(n: OnnxNode, name: string): number[] | undefined {
  const a = n.attributes.get(name);
  return a && "ints" in a ? a.ints : undefined;
}

/** Make `n` read `to` where it read `from`; its original encoding no longer applies, so it is dropped. */
export function renameInput(n: OnnxNode, from: string, to: string): void {
  if (!n.inputs.includes(from)) return;
  n.inputs = n.inputs.map((i) => (i === from ? to : i));
  n.encoded = undefined;
}

/** A float or int tensor initializer with its data inline. */
export function makeInitializer(
  name: string,
  dims: number[],
  data: Float32Array | Int32Array | BigInt64Array,
): Initializer {
  const dataType = data instanceof Float32Array ? FLOAT : data instanceof Int32Array ? INT32 : INT64;
  const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const encoded = concat([
    ...dims.map((d) => varintField(1, d)),
    varintField(2, dataType),
    bytesField(8, name),
    bytesField(9, raw),
  ]);
  return { name, dims, dataType, encoded };
}

/** Float values of an inline initializer (raw_data or float_data), or undefined (external data, other types). */
export function floatData(t: Initializer): Float32Array | undefined {
  if (t.dataType !== FLOAT) return undefined;
  const fs = fields(t.encoded);
  if (fs.some((f) => f.num === 14 && f.value === 1)) return undefined; // external data
  const raw = fs.find((f) => f.num === 9)?.body ?? fs.find((f) => f.num === 4 && f.wire === 2)?.body;
  if (!raw) {
    const loose = fs.filter((f) => f.num === 4 && f.wire === 5).map((f) => f.float ?? 0);
    return loose.length > 0 || t.dims.reduce((a, b) => a * b, 1) === 0 ? Float32Array.from(loose) : undefined;
  }
  const copy = new Uint8Array(raw); // a copy even when raw is a Buffer view (Buffer#slice does not copy)
  return new Float32Array(copy.buffer, 0, copy.length / 4);
}

/** Integer values of a small inline int64/int32 initializer. */
export function intData(t: Initializer): number[] | undefined {
  const fs = fields(t.encoded);
  const raw = fs.find((f) => f.num === 9)?.body;
  if (t.dataType === INT64) {
    if (raw) {
      const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      return Array.from({ length: raw.length / 8 }, (_, i) => Number(dv.getBigInt64(i * 8, true)));
    }
    return repeatedInts(fs, 7);
  }
  if (t.dataType === INT32) {
    if (raw) {
      const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      return Array.from({ length: raw.length / 4 }, (_, i) => dv.getInt32(i * 4, true));
    }
    return repeatedInts(fs, 5);
  }
  return undefined;
}

/** Scalar float value of an initializer (any float shape with one element). */
export function scalar(t: Initializer | undefined): number | undefined {
  const d = t && floatData(t);
  return d && d.length === 1 ? d[0] : undefined;
}

/**
 * The model's encoding as chunks in order, without joining them: the weights stay views of the bytes they were
 * parsed from (copying a large model into fresh memory costs more than the whole rewrite).
 */
export function serializeModel(m: OnnxModel): Uint8Array[] {
  const graph: Uint8Array[] = [
    ...m.nodes.map((n) => bytesField(1, encodeNode(n))),
    ...[...m.initializers.values()].flatMap((t) => [fieldHeader(5, t.encoded.length), t.encoded]),
    ...m.graphRest.map((f) => f.raw),
  ];
  const opsets = [...m.opsets].map(([domain, version]) =>
    bytesField(8, concat([...(domain ? [bytesField(1, domain)] : []), varintField(2, version)])),
  );
  const graphLength = graph.reduce((n, c) => n + c.length, 0);
  return [...m.modelRest.map((f) => f.raw), ...opsets, fieldHeader(7, graphLength), ...graph];
}
