/**
 * Turn a fixture ONNX graph into a graph + external data file, as `onnx.save(..., save_as_external_data=True)`
 * writes them (Optimum's `model.onnx` + `model.onnx_data`, other exporters' `model.onnx.data`): every initializer's
 * `raw_data` moves to the data file and the TensorProto gets `data_location = EXTERNAL` and
 * `external_data = [location, offset, length]`.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { bytesField, concat, fields, varintField } from "../../src/engine/graph/wire.js";

const entry = (key: string, value: string) =>
  bytesField(13, concat([bytesField(1, key), bytesField(2, value)]));

/** Rewrite one TensorProto: raw_data (9) → external data appended to `data`. */
function externalise(tensor: Uint8Array, location: string, data: Buffer[], offset: { value: number }) {
  const parts: Uint8Array[] = [];
  let moved = false;
  for (const f of fields(tensor)) {
    if (f.num === 9 && f.body !== undefined && f.body.length > 0) {
      const start = offset.value;
      data.push(Buffer.from(f.body));
      offset.value += f.body.length;
      parts.push(entry("location", location), entry("offset", String(start)));
      parts.push(entry("length", String(f.body.length)), varintField(14, 1));
      moved = true;
      continue;
    }
    parts.push(f.raw);
  }
  return { bytes: Buffer.concat(parts), moved };
}

/**
 * Write `graphPath` (the graph, initializers without bytes) and `graphDir/location` (their bytes) from `source`.
 * Returns how many initializers moved out (a test checks it is > 0).
 */
export function writeExternalDataModel(
  source: string,
  graphPath: string,
  dataPath: string,
  location: string,
) {
  const model = readFileSync(source);
  const data: Buffer[] = [];
  const offset = { value: 0 };
  let movedCount = 0;
  const modelParts: Uint8Array[] = [];
  for (const f of fields(model)) {
    if (f.num !== 7 || f.body === undefined) {
      modelParts.push(f.raw);
      continue;
    }
    const graphParts: Uint8Array[] = [];
    for (const g of fields(f.body)) {
      if (g.num === 5 && g.body !== undefined) {
        const { bytes, moved } = externalise(g.body, location, data, offset);
        if (moved) movedCount++;
        graphParts.push(bytesField(5, bytes));
      } else graphParts.push(g.raw);
    }
    modelParts.push(bytesField(7, Buffer.concat(graphParts)));
  }
  writeFileSync(graphPath, Buffer.concat(modelParts));
  writeFileSync(dataPath, Buffer.concat(data));
  return movedCount;
}
