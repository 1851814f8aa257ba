/**
 * Which ONNX file a (dtype, CPU) picks among the files a repo has — a pure function — plus the CPU feature
 * reader, external-data discovery and the name checks that keep server-given names inside the cache.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { CATALOG, catalogEntry, exportCommand, sourceRepo } from "../src/core/catalog.js";
import { type CpuFeatures, featuresFrom, parseCpuinfoFlags } from "../src/engine/cpu-features.js";
import { isSafeRepoPath } from "../src/engine/hub.js";
import { isSafeEtag } from "../src/engine/hub-fetch.js";
import { dtypeOfFile, onnxCandidates, parseDtype, pickOnnxFile } from "../src/engine/model-files.js";
import { externalDataLocations } from "../src/engine/onnx-external.js";
import { fixturePath } from "./helpers/fixtures.js";
import { writeExternalDataModel } from "./helpers/onnx-external.js";

const VNNI: CpuFeatures = { arch: "x64", avx2: true, avx512: true, vnni: true };
const AVX512: CpuFeatures = { arch: "x64", avx2: true, avx512: true, vnni: false };
const AVX2: CpuFeatures = { arch: "x64", avx2: true, avx512: false, vnni: false };
const OLD_X64: CpuFeatures = { arch: "x64", avx2: false, avx512: false, vnni: false };
const ARM: CpuFeatures = { arch: "arm64", avx2: false, avx512: false, vnni: false };

const ST = [
  "onnx/model.onnx",
  "onnx/model_O1.onnx",
  "onnx/model_O4.onnx",
  "onnx/model_qint8_arm64.onnx",
  "onnx/model_qint8_avx512.onnx",
  "onnx/model_qint8_avx512_vnni.onnx",
  "onnx/model_quint8_avx2.onnx",
];
const XENOVA = ["onnx/model.onnx", "onnx/model_fp16.onnx", "onnx/model_quantized.onnx"];
const QWEN_ONNX = ["onnx/model_q4.onnx", "onnx/model_quantized.onnx"];

describe("pickOnnxFile(files, bases, dtype, cpu)", () => {
  test("q8 on sentence-transformers' exports: the best variant the CPU runs", () => {
    assert.equal(pickOnnxFile(ST, ["model"], "q8", VNNI), "onnx/model_qint8_avx512_vnni.onnx");
    assert.equal(pickOnnxFile(ST, ["model"], "q8", AVX512), "onnx/model_qint8_avx512.onnx");
    assert.equal(pickOnnxFile(ST, ["model"], "q8", AVX2), "onnx/model_quint8_avx2.onnx");
    assert.equal(pickOnnxFile(ST, ["model"], "q8", ARM), "onnx/model_qint8_arm64.onnx");
    // An x64 CPU without AVX2 runs none of the ISA-specific files.
    assert.equal(pickOnnxFile(ST, ["model"], "q8", OLD_X64), undefined);
    // Without them, a repo's one VNNI-only file is not picked on an AVX2 machine.
    assert.equal(pickOnnxFile(["onnx/model_qint8_avx512_vnni.onnx"], ["model"], "q8", AVX2), undefined);
  });

  test("q8 on Optimum / transformers.js exports: model_quantized, then int8 / uint8", () => {
    for (const cpu of [VNNI, AVX2, ARM, OLD_X64]) {
      assert.equal(pickOnnxFile(XENOVA, ["model"], "q8", cpu), "onnx/model_quantized.onnx");
    }
    assert.equal(pickOnnxFile(["onnx/model_uint8.onnx"], ["model"], "q8", AVX2), "onnx/model_uint8.onnx");
    assert.equal(pickOnnxFile(["onnx/model_int8.onnx"], ["model"], "int8", AVX2), "onnx/model_int8.onnx");
  });

  test("auto: fp32 when present, else the best variant present (8-bit before fp16 and 4-bit)", () => {
    assert.equal(pickOnnxFile(XENOVA, ["model"], "auto", AVX2), "onnx/model.onnx");
    assert.equal(pickOnnxFile(QWEN_ONNX, ["model"], "auto", AVX2), "onnx/model_quantized.onnx");
    assert.equal(
      pickOnnxFile(["onnx/model_q4.onnx", "onnx/model_fp16.onnx"], ["model"], "auto", AVX2),
      "onnx/model_fp16.onnx",
    );
    assert.equal(pickOnnxFile(["onnx/model_q4.onnx"], ["model"], "auto", AVX2), "onnx/model_q4.onnx");
  });

  test("root-level files, onnx/ first, and bases in order (ColBERT's vespa_colbert.onnx last)", () => {
    assert.equal(pickOnnxFile(["model.onnx"], ["model"], "fp32", AVX2), "model.onnx");
    assert.equal(pickOnnxFile(["model.onnx", "onnx/model.onnx"], ["model"], "fp32", AVX2), "onnx/model.onnx");
    const answerai = ["onnx/model.onnx", "vespa_colbert.onnx"];
    assert.equal(pickOnnxFile(answerai, ["model", "vespa_colbert"], "auto", AVX2), "onnx/model.onnx");
    assert.equal(
      pickOnnxFile(["vespa_colbert.onnx"], ["model", "vespa_colbert"], "auto", AVX2),
      "vespa_colbert.onnx",
    );
    assert.equal(pickOnnxFile(QWEN_ONNX, ["model"], "fp32", AVX2), undefined);
    // Several graph names: the variant decides first, so an fp32 graph of any name beats a quantised one.
    const causal = ["onnx/model_quantized.onnx", "onnx/decoder_model_merged.onnx"];
    const bases = ["model", "decoder_model_merged", "decoder_model"];
    assert.equal(pickOnnxFile(causal, bases, "auto", AVX2), "onnx/decoder_model_merged.onnx");
    assert.equal(pickOnnxFile(causal, bases, "q8", AVX2), "onnx/model_quantized.onnx");
  });

  test("candidates are the download order; the dtype of a picked file; dtype parsing", () => {
    assert.deepEqual(onnxCandidates("model", "fp16", AVX2), ["onnx/model_fp16.onnx", "model_fp16.onnx"]);
    assert.deepEqual(onnxCandidates("model", "q8", ARM).slice(0, 4), [
      "onnx/model_qint8_arm64.onnx",
      "model_qint8_arm64.onnx",
      "onnx/model_quantized.onnx",
      "model_quantized.onnx",
    ]);
    assert.equal(dtypeOfFile("onnx/model_qint8_avx512_vnni.onnx"), "q8");
    assert.equal(dtypeOfFile("onnx/model_quantized.onnx"), "q8");
    assert.equal(dtypeOfFile("onnx/model_uint8.onnx"), "uint8");
    assert.equal(dtypeOfFile("onnx/model_q4f16.onnx"), "q4f16");
    assert.equal(dtypeOfFile("model.onnx"), "fp32");
    assert.equal(parseDtype(undefined), "auto");
    assert.equal(parseDtype("AUTO"), "auto");
  });
});

describe("CPU features", () => {
  test("from /proc/cpuinfo flags (x86 and ARM), with a safe guess when unknown", () => {
    const x86 = "processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512bw avx512_vnni\nbugs\t\t: x\n";
    assert.deepEqual(featuresFrom("x64", parseCpuinfoFlags(x86)), VNNI);
    const noVnni = "flags\t\t: fpu avx2 avx512f avx512bw\n";
    assert.deepEqual(featuresFrom("x64", parseCpuinfoFlags(noVnni)), AVX512);
    assert.deepEqual(featuresFrom("x64", parseCpuinfoFlags("flags\t: fpu avx2\n")), AVX2);
    assert.deepEqual(featuresFrom("x64", parseCpuinfoFlags("flags\t: fpu sse4_2\n")), OLD_X64);
    const arm = "processor\t: 0\nFeatures\t: fp asimd evtstrm aes\n";
    assert.deepEqual(featuresFrom("arm64", parseCpuinfoFlags(arm)), ARM);
    assert.deepEqual(featuresFrom("x64", undefined), AVX2);
    assert.equal(featuresFrom("ia32", undefined).arch, "other");
  });
});

describe("external data and safe names", () => {
  const dir = mkdtempSync(join(tmpdir(), "rerankers-variants-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("externalDataLocations reads the names the graph uses (both conventions); none for a plain graph", async () => {
    const src = fixturePath("tiny-bert-cross-encoder", "onnx", "model.onnx");
    assert.deepEqual(await externalDataLocations(src), []);
    for (const name of ["model.onnx_data", "model.onnx.data"]) {
      writeExternalDataModel(src, join(dir, "g.onnx"), join(dir, name), name);
      assert.deepEqual(await externalDataLocations(join(dir, "g.onnx")), [name]);
    }
    await assert.rejects(externalDataLocations(fixturePath("tiny-bert-cross-encoder", "tokenizer.json")));
  });

  test("repo paths and ETags that could leave the cache are refused", () => {
    for (const ok of ["onnx/model.onnx", "model.onnx.data", "1_Dense/model.safetensors"])
      assert.ok(isSafeRepoPath(ok), ok);
    for (const bad of ["", "../x.onnx", "onnx/../../x", "/etc/passwd", "a\\b", "C:x", "onnx//x", "./x"]) {
      assert.ok(!isSafeRepoPath(bad), bad);
    }
    assert.ok(isSafeEtag("a".repeat(64)) && isSafeEtag("0123456789abcdef0123456789abcdef01234567"));
    for (const bad of ["..", ".", ".x", "a/b", "", "x".repeat(200)]) assert.ok(!isSafeEtag(bad), bad);
  });
});

describe("catalog", () => {
  test("names are unique; sources route; export commands are complete", () => {
    const names = CATALOG.map((e) => e.name.toLowerCase());
    assert.equal(new Set(names).size, names.length);
    assert.equal(sourceRepo("qwen/qwen3-reranker-0.6b"), "onnx-community/Qwen3-Reranker-0.6B-ONNX");
    assert.equal(catalogEntry("onnx-community/Qwen3-Reranker-0.6B-ONNX")?.name, "Qwen/Qwen3-Reranker-0.6B");
    assert.equal(sourceRepo("unicamp-dl/InRanker-base"), null);
    assert.equal(sourceRepo("ms-marco-MiniLM-L-12-v2"), undefined, "FlashRank names are not Hub repos");
    assert.equal(sourceRepo("org/unknown"), undefined);
    const e = catalogEntry("unicamp-dl/InRanker-base");
    assert.ok(e);
    assert.deepEqual(exportCommand(e), {
      command:
        "optimum-cli export onnx --model unicamp-dl/InRanker-base --task text2text-generation ./InRanker-base-onnx",
      dir: "./InRanker-base-onnx",
    });
    for (const entry of CATALOG) {
      assert.ok(
        entry.source !== null || entry.note !== undefined || entry.exportTask !== undefined,
        entry.name,
      );
      if (entry.source !== null) assert.ok(entry.files.length > 0 && entry.dtypes.length > 0, entry.name);
    }
  });
});
