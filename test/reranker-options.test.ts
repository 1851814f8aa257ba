/**
 * Issue 14 item 3 (typed library options, unknown names rejected with "did you mean") and issue 12 item 4
 * (LLM rankers follow the OpenAI SDK's OPENAI_BASE_URL / OPENAI_API_KEY convention).
 *
 * The `@ts-expect-error` lines are checked by `npm run typecheck`: each must be a compile error, or the
 * typecheck fails.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { FAMILY_SPECS } from "../src/core/option-specs.js";
import { closest } from "../src/core/suggest.js";
import {
  createRanker,
  InvalidInputError,
  MissingDependencyError,
  ModelFilesError,
  Reranker,
  registerRanker,
  UnknownModelError,
} from "../src/index.js";
import { OPENAI_BASE_URL, readLlmConfig } from "../src/llm/config.js";
import { RANKLLM_BASE_URL } from "../src/methods/rankllm.js";
import { startServer } from "../src/server/serve.js";
import { lexicalMethod } from "./helpers/lexical-ranker.js";
import { oracleStarter } from "./helpers/llm-cases.js";

declare module "../src/index.js" {
  interface CustomRerankerOptions {
    "options-test": { depth?: number };
  }
}

const MISSING = "/nonexistent/rerankers-model";
/** Options the types reject on purpose, to test the run-time check (as from JavaScript or a config file). */
const loose = (options: Record<string, unknown>) => options as never;

/** Compile-time checks only: never called. */
export function typeChecks(): void {
  // The repro: every part of it is a compile error.
  // @ts-expect-error misspelt option, dtype that does not exist, model type that does not exist
  Reranker("m", { sigmiod: true, dtype: "q9", modelType: "crossencoder" });
  // @ts-expect-error a misspelt option of the family named by modelType
  Reranker("m", { modelType: "cross-encoder", sigmiod: true });
  // @ts-expect-error a dtype that does not exist
  Reranker("m", { modelType: "cross-encoder", dtype: "q9" });
  // @ts-expect-error a model type that does not exist
  Reranker("m", { modelType: "crossencoder" });
  // @ts-expect-error an option of another family (cohere's) on a cross-encoder
  Reranker("m", { modelType: "cross-encoder", maxTokensPerDoc: 3 });
  // @ts-expect-error wrong value type
  Reranker("m", { modelType: "cross-encoder", sigmoid: "yes" });
  // @ts-expect-error `provider:model` narrows to that provider: sigmoid is not a Cohere option
  Reranker("cohere:rerank-v3.5", { sigmoid: true });
  // @ts-expect-error a family name narrows to that family
  Reranker("colbert", { apiVersion: "v2" });
  // @ts-expect-error a value outside the option's choices
  Reranker("colbert", { scoreMode: "max" });
  // @ts-expect-error unknown option for a custom type declared by augmentation
  Reranker("x", { modelType: "options-test", deep: 1 });

  // Valid calls compile.
  Reranker("m", { modelType: "cross-encoder", sigmoid: true, dtype: "q8", threads: 2 });
  Reranker("cohere:rerank-v3.5", { apiKey: "k", maxTokensPerDoc: 512 });
  Reranker("tei:BAAI/bge-reranker-base", { baseUrl: "http://x", rawScores: true });
  Reranker("colbert", { lang: "ja", scoreMode: "mean-attended", cacheBytes: 0 });
  Reranker("rankgpt", { baseUrl: "http://x/v1", windowSize: 10 });
  Reranker("x", { modelType: "options-test", depth: 1 });
  Reranker("any/model", { threads: 1, onDownloadProgress: (e) => e.loaded });
}

describe("option names are checked before anything loads", () => {
  it("a misspelt option is an InvalidInputError with a suggestion, before model files are read", async () => {
    // The folder does not exist: reaching the loader would be a ModelFilesError.
    await assert.rejects(
      Reranker(MISSING, loose({ modelType: "cross-encoder", sigmiod: true })),
      (e: unknown) =>
        e instanceof InvalidInputError &&
        e.message === 'unknown option "sigmiod" for cross-encoder (did you mean "sigmoid"?)',
    );
    // Without the typo it does reach the loader.
    await assert.rejects(Reranker(MISSING, { modelType: "cross-encoder", sigmoid: true }), ModelFilesError);
  });

  it("the issue's repro fails at run time too, naming the model type first", async () => {
    const options = { sigmiod: true, dtype: "q9", modelType: "crossencoder" } as Record<string, unknown>;
    await assert.rejects(
      Reranker(MISSING, options as never),
      (e: unknown) => e instanceof UnknownModelError && /did you mean "cross-encoder"\?/.test(e.message),
    );
    delete options.modelType;
    await assert.rejects(
      Reranker(MISSING, options as never),
      /unknown option "sigmiod" .*did you mean "sigmoid"/,
    );
    delete options.sigmiod;
    await assert.rejects(Reranker(MISSING, options as never), /unknown dtype "q9"/);
  });

  it("a hosted provider's options are its own; far-off names list what the family accepts", async () => {
    await assert.rejects(
      Reranker("cohere:rerank-v3.5", loose({ apiKey: "k", maxTokensPerDocs: 3 })),
      /unknown option "maxTokensPerDocs" for cohere \(did you mean "maxTokensPerDoc"\?\)/,
    );
    await assert.rejects(
      Reranker("cohere:rerank-v3.5", loose({ apiKey: "k", sigmoid: "x" })),
      /unknown option "sigmoid" for cohere; cohere options: apiKey, baseUrl, /,
    );
    // A local-model option on a hosted API is not silently ignored either.
    await assert.rejects(
      Reranker("jina:jina-reranker-v2-base-multilingual", loose({ apiKey: "k", dtype: "q8" })),
      /unknown option "dtype" for jina/,
    );
  });

  it("snake_case spellings suggest the camelCase option", async () => {
    await assert.rejects(
      Reranker(MISSING, loose({ modelType: "cross-encoder", max_length: 8 })),
      /did you mean "maxLength"/,
    );
    assert.equal(closest("batch_size", ["batchSize", "tokenBudget"]), "batchSize");
    assert.equal(closest("zzz", ["batchSize", "tokenBudget"]), undefined);
  });

  it("options set to undefined are ignored (optional fields can be spread in)", async () => {
    await assert.rejects(
      Reranker(MISSING, loose({ modelType: "cross-encoder", notAnOption: undefined })),
      ModelFilesError,
    );
  });

  it("a registered family that declares its option names gets the same check; one that does not, none", async () => {
    const factory = async (o: { modelType: string; model: string }) =>
      createRanker({ modelType: o.modelType, model: o.model, provider: null }, lexicalMethod());
    registerRanker("options-test", factory, { options: ["depth"] });
    const ok = await Reranker("x", { modelType: "options-test", depth: 2 });
    assert.equal(ok.modelType, "options-test");
    await assert.rejects(
      Reranker("x", loose({ modelType: "options-test", dpeth: 2 })),
      /unknown option "dpeth" for options-test \(did you mean "depth"\?\)/,
    );
    registerRanker("options-test", factory);
    const unchecked = await Reranker("x", loose({ modelType: "options-test", anything: 1 }));
    assert.equal(unchecked.modelType, "options-test");
  });

  it("the server passes worker mode only to families that read it (an LLM ranker would reject it)", async () => {
    const server = await startServer({
      models: [{ name: "rankgpt", options: { baseUrl: "http://127.0.0.1:9/v1", apiKey: "k" } }],
      port: 0,
    });
    await server.close();
  });

  it("every built-in family's declared options are camelCase names or the documented snake_case aliases", () => {
    for (const [type, spec] of Object.entries(FAMILY_SPECS)) {
      for (const name of Object.keys(spec.options)) {
        assert.match(name, /^[a-z][A-Za-z0-9]*$|^[a-z]+(_[a-z]+)+$/, `${type}.${name}`);
      }
    }
  });

  it("MissingDependencyError names every package in one line", () => {
    const e = new MissingDependencyError("onnxruntime-node", "cross-encoder", {
      extraPackages: ["@huggingface/tokenizers"],
    });
    assert.equal(
      e.message,
      'cross-encoder needs the optional packages "onnxruntime-node" and "@huggingface/tokenizers": run `npm install onnxruntime-node @huggingface/tokenizers`',
    );
    assert.deepEqual(e.packageNames, ["onnxruntime-node", "@huggingface/tokenizers"]);
  });
});

describe("LLM rankers follow OPENAI_BASE_URL / OPENAI_API_KEY", () => {
  const KEY = "sk-env-SECRET-42";
  const TEXTS = ["alpha", "beta"];
  const oracle = oracleStarter({ alpha: 0.9, beta: 0.1 });
  const saved = { base: process.env.OPENAI_BASE_URL, key: process.env.OPENAI_API_KEY };
  const restore = () => {
    for (const [name, value] of [
      ["OPENAI_BASE_URL", saved.base],
      ["OPENAI_API_KEY", saved.key],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  after(restore);

  it("a vLLM/LiteLLM user with both variables set: requests go to OPENAI_BASE_URL with the key", async () => {
    const o = await oracle();
    process.env.OPENAI_BASE_URL = o.baseUrl;
    process.env.OPENAI_API_KEY = KEY;
    try {
      for (const type of ["rankgpt", "llm-relevance-filter"] as const) {
        const ranker = await Reranker("my-served-model", { modelType: type });
        await ranker.rank("q", TEXTS);
        assert.equal(o.requests.at(-1)?.headers.authorization, `Bearer ${KEY}`, type);
        assert.equal(o.requests.at(-1)?.body.model, "my-served-model");
      }
    } finally {
      restore();
    }
  });

  it("explicit baseUrl and apiKey win over the environment", async () => {
    const o = await oracle();
    process.env.OPENAI_BASE_URL = "http://127.0.0.1:9/v1"; // nothing listens there
    process.env.OPENAI_API_KEY = KEY;
    try {
      const ranker = await Reranker("rankgpt", { baseUrl: o.baseUrl, apiKey: "explicit-key" });
      await ranker.rank("q", TEXTS);
      assert.equal(o.requests.at(-1)?.headers.authorization, "Bearer explicit-key");
    } finally {
      restore();
    }
  });

  it("the key is not sent to a family's built-in local default that the user did not configure", () => {
    process.env.OPENAI_API_KEY = KEY;
    delete process.env.OPENAI_BASE_URL;
    try {
      const rankllm = readLlmConfig(
        {},
        { model: "castorini/rank_zephyr_7b_v1_full", baseUrl: RANKLLM_BASE_URL },
      );
      assert.equal(rankllm.baseUrl, RANKLLM_BASE_URL);
      assert.equal(rankllm.apiKey, undefined);
      const openai = readLlmConfig({}, { model: "gpt-4o" });
      assert.equal(openai.baseUrl, OPENAI_BASE_URL);
      assert.equal(openai.apiKey, KEY);
      process.env.OPENAI_BASE_URL = "http://127.0.0.1:4000/v1/";
      const configured = readLlmConfig({}, { model: "m", baseUrl: RANKLLM_BASE_URL });
      assert.deepEqual([configured.baseUrl, configured.apiKey], ["http://127.0.0.1:4000/v1", KEY]);
      process.env.OPENAI_BASE_URL = "localhost:4000";
      assert.throws(() => readLlmConfig({}, { model: "m" }), /OPENAI_BASE_URL must start with http/);
    } finally {
      restore();
    }
  });
});
