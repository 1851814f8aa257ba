/**
 * The PyLate / sentence-transformers checkpoint layout (pylate/models/colbert.py): `modules.json` naming a
 * Transformer and Dense modules, `config_sentence_transformers.json` with the ColBERT settings, each Dense module's
 * `config.json` + `model.safetensors`. A Stanford colbert-ir folder (no modules.json, architecture HF_ColBERT) is
 * read the way PyLate converts it: `linear.weight` from model.safetensors, settings from `artifact.metadata`.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ModelFilesError } from "../core/errors.js";
import { readSafetensorsHeader, readTensor } from "../engine/safetensors.js";
import type { DenseLayer } from "./colbert-encoder.js";

/** Python's `string.punctuation`, PyLate's default document skiplist. */
export const PUNCTUATION: readonly string[] = [..."!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"];

export interface PyLateSettings {
  /** A token string (e.g. "[Q] "); "" means no prefix token. */
  queryPrefix: string;
  documentPrefix: string;
  /** Query length incl. the prefix token: queries are padded with [MASK] to it when expanding. */
  queryLength: number;
  /** Maximum document length incl. the prefix token. */
  documentLength: number;
  doQueryExpansion: boolean;
  attendToExpansionTokens: boolean;
  /** Tokens left out of document scoring (still encoded). */
  skiplistWords: string[];
  /** sentence_bert_config.json `do_lower_case`. */
  doLowerCase: boolean;
}

/** A Dense module as declared on disk, before its weights are read. */
export interface DenseModuleSpec {
  /** Folder of the module, relative to the model folder ("" for a Stanford linear.weight). */
  path: string;
  inFeatures: number;
  outFeatures: number;
  bias: boolean;
  activation: DenseLayer["activation"];
  useResidual: boolean;
}

export interface PyLateLayout {
  kind: "sentence-transformers" | "stanford";
  settings: PyLateSettings;
  dense: DenseModuleSpec[];
}

// biome-ignore lint/suspicious/noExplicitAny: checkpoint JSON is free-form
type Json = Record<string, any>;

async function readJsonFile(path: string): Promise<Json | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new ModelFilesError(`cannot read ${path}`, { cause, path });
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ModelFilesError(`${path} is not valid JSON`, { cause, path });
  }
}

const ACTIVATIONS: Readonly<Record<string, DenseLayer["activation"]>> = {
  "torch.nn.modules.linear.Identity": "identity",
  "torch.nn.modules.activation.Tanh": "tanh",
};

function activationOf(name: unknown, where: string): DenseLayer["activation"] {
  if (name === undefined || name === null) return "identity";
  const act = ACTIVATIONS[String(name)];
  if (!act)
    throw new ModelFilesError(
      `${where}: unsupported activation_function ${JSON.stringify(name)} (supported: Identity, Tanh)`,
    );
  return act;
}

function positiveInt(value: unknown, key: string, where: string): number {
  if (!Number.isInteger(value) || (value as number) < 1)
    throw new ModelFilesError(`${where}: ${key} must be a positive integer, got ${JSON.stringify(value)}`);
  return value as number;
}

function isDenseType(type: unknown): boolean {
  return typeof type === "string" && /(^|\.)Dense$/.test(type);
}

/** The settings PyLate ends up with: explicit overrides, then the checkpoint's values, then PyLate's defaults. */
export function resolveSettings(
  fromCheckpoint: Partial<PyLateSettings>,
  overrides: Partial<PyLateSettings> = {},
): PyLateSettings {
  const pick = <K extends keyof PyLateSettings>(k: K, fallback: PyLateSettings[K]): PyLateSettings[K] =>
    overrides[k] ?? fromCheckpoint[k] ?? fallback;
  const doQueryExpansion = pick("doQueryExpansion", true);
  return {
    queryPrefix: pick("queryPrefix", "[Q] "),
    documentPrefix: pick("documentPrefix", "[D] "),
    queryLength: pick("queryLength", 32),
    documentLength: pick("documentLength", 180),
    doQueryExpansion,
    // Without expansion there is nothing to attend to.
    attendToExpansionTokens: doQueryExpansion ? pick("attendToExpansionTokens", false) : false,
    skiplistWords: pick("skiplistWords", [...PUNCTUATION]),
    doLowerCase: pick("doLowerCase", false),
  };
}

/** The ColBERT fields of config_sentence_transformers.json (absent fields stay undefined). */
export function settingsFromConfig(config: Json, where: string): Partial<PyLateSettings> {
  const out: Partial<PyLateSettings> = {};
  const str = (k: string) => {
    const v = config[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string") throw new ModelFilesError(`${where}: ${k} must be a string`);
    return v;
  };
  const bool = (k: string) => {
    const v = config[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "boolean") throw new ModelFilesError(`${where}: ${k} must be true or false`);
    return v;
  };
  out.queryPrefix = str("query_prefix");
  out.documentPrefix = str("document_prefix");
  if (config.query_length != null) out.queryLength = positiveInt(config.query_length, "query_length", where);
  if (config.document_length != null)
    out.documentLength = positiveInt(config.document_length, "document_length", where);
  out.doQueryExpansion = bool("do_query_expansion");
  out.attendToExpansionTokens = bool("attend_to_expansion_tokens");
  if (config.skiplist_words != null) {
    if (
      !Array.isArray(config.skiplist_words) ||
      !config.skiplist_words.every((w: unknown) => typeof w === "string")
    ) {
      throw new ModelFilesError(`${where}: skiplist_words must be a list of strings`);
    }
    out.skiplistWords = [...config.skiplist_words];
  }
  return out;
}

/** Read the layout of a PyLate (or Stanford) folder; `overrides` are the user's options and win. */
export async function readPyLateLayout(
  dir: string,
  overrides: Partial<PyLateSettings> = {},
): Promise<PyLateLayout> {
  const modules = await readJsonFile(join(dir, "modules.json"));
  if (modules === undefined) return readStanfordLayout(dir, overrides);
  if (!Array.isArray(modules))
    throw new ModelFilesError(`${join(dir, "modules.json")} must be a list of modules`);
  const stConfigPath = join(dir, "config_sentence_transformers.json");
  const stConfig = (await readJsonFile(stConfigPath)) ?? {};
  const bertConfig = (await readJsonFile(join(dir, "sentence_bert_config.json"))) ?? {};
  const fromCheckpoint = settingsFromConfig(stConfig, stConfigPath);
  if (typeof bertConfig.do_lower_case === "boolean") fromCheckpoint.doLowerCase = bertConfig.do_lower_case;

  const dense: DenseModuleSpec[] = [];
  const sorted = [...modules].sort((a: Json, b: Json) => Number(a?.idx ?? 0) - Number(b?.idx ?? 0));
  for (const m of sorted) {
    if (!isDenseType(m?.type)) continue;
    const path = String(m.path ?? "");
    const cfgPath = join(dir, path, "config.json");
    const cfg = await readJsonFile(cfgPath);
    if (!cfg) throw new ModelFilesError(`Dense module ${path} has no config.json`, { path: cfgPath });
    dense.push({
      path,
      inFeatures: positiveInt(cfg.in_features, "in_features", cfgPath),
      outFeatures: positiveInt(cfg.out_features, "out_features", cfgPath),
      bias: cfg.bias !== false,
      activation: activationOf(cfg.activation_function, cfgPath),
      useResidual: cfg.use_residual === true,
    });
  }
  if (dense.length === 0) {
    throw new ModelFilesError(
      `${dir}: modules.json has no Dense module; PyLate would add an untrained projection, which cannot be reproduced`,
    );
  }
  for (let i = 1; i < dense.length; i++) {
    if (dense[i].inFeatures !== dense[i - 1].outFeatures) {
      throw new ModelFilesError(
        `${dir}: Dense module ${dense[i].path} takes ${dense[i].inFeatures} features but the previous one gives ${dense[i - 1].outFeatures}`,
      );
    }
  }
  return { kind: "sentence-transformers", settings: resolveSettings(fromCheckpoint, overrides), dense };
}

async function readStanfordLayout(dir: string, overrides: Partial<PyLateSettings>): Promise<PyLateLayout> {
  const config = (await readJsonFile(join(dir, "config.json"))) ?? {};
  const arch = Array.isArray(config.architectures) ? config.architectures[0] : undefined;
  if (arch !== "HF_ColBERT") {
    throw new ModelFilesError(
      `${dir} is neither a PyLate checkpoint (no modules.json) nor a Stanford ColBERT checkpoint (architecture HF_ColBERT)`,
    );
  }
  const header = await readSafetensorsHeader(join(dir, "model.safetensors"));
  const info = header.tensors.get("linear.weight");
  if (info?.shape.length !== 2) {
    throw new ModelFilesError(`${header.path} has no linear.weight [dim, hidden]`, { path: header.path });
  }
  const meta = (await readJsonFile(join(dir, "artifact.metadata"))) ?? {};
  const fromCheckpoint: Partial<PyLateSettings> = {
    queryPrefix: typeof meta.query_token_id === "string" ? meta.query_token_id : "[unused0]",
    documentPrefix: typeof meta.doc_token_id === "string" ? meta.doc_token_id : "[unused1]",
    queryLength: Number.isInteger(meta.query_maxlen) ? meta.query_maxlen : undefined,
    documentLength: Number.isInteger(meta.doc_maxlen) ? meta.doc_maxlen : undefined,
    attendToExpansionTokens:
      typeof meta.attend_to_mask_tokens === "boolean" ? meta.attend_to_mask_tokens : undefined,
  };
  return {
    kind: "stanford",
    settings: resolveSettings(fromCheckpoint, overrides),
    dense: [
      {
        path: "",
        inFeatures: info.shape[1],
        outFeatures: info.shape[0],
        bias: false,
        activation: "identity",
        useResidual: false,
      },
    ],
  };
}

/** Read a Dense module's weights (`linear.weight`, `linear.bias`, `residual.weight`) from its model.safetensors. */
export async function loadDenseLayer(dir: string, spec: DenseModuleSpec): Promise<DenseLayer> {
  const path = join(dir, spec.path, "model.safetensors");
  const header = await readSafetensorsHeader(path);
  const weight = await readTensor(header, "linear.weight");
  if (weight.shape[0] !== spec.outFeatures || weight.shape[1] !== spec.inFeatures) {
    throw new ModelFilesError(
      `${path}: linear.weight has shape [${weight.shape.join(", ")}], config says [${spec.outFeatures}, ${spec.inFeatures}]`,
      { path },
    );
  }
  const layer: DenseLayer = {
    weight: weight.data,
    inFeatures: spec.inFeatures,
    outFeatures: spec.outFeatures,
    activation: spec.activation,
  };
  if (spec.bias) {
    const bias = await readTensor(header, "linear.bias");
    if (bias.data.length !== spec.outFeatures)
      throw new ModelFilesError(
        `${path}: linear.bias has ${bias.data.length} values, expected ${spec.outFeatures}`,
        { path },
      );
    layer.bias = bias.data;
  }
  if (spec.useResidual) {
    if (spec.inFeatures === spec.outFeatures) layer.residual = "identity";
    else {
      const r = await readTensor(header, "residual.weight");
      if (r.data.length !== spec.inFeatures * spec.outFeatures)
        throw new ModelFilesError(`${path}: residual.weight has the wrong size`, { path });
      layer.residual = r.data;
    }
  }
  return layer;
}
