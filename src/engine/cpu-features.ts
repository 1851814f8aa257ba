/**
 * The CPU features that decide which quantised ONNX variant runs best (sentence-transformers ships
 * `model_qint8_avx512_vnni.onnx`, `model_qint8_avx512.onnx`, `model_quint8_avx2.onnx`, `model_qint8_arm64.onnx`).
 * Read from /proc/cpuinfo on Linux; elsewhere a safe guess from the architecture.
 */
import { readFileSync } from "node:fs";

export interface CpuFeatures {
  arch: "x64" | "arm64" | "other";
  avx2: boolean;
  avx512: boolean;
  /** AVX512-VNNI (or AVX-VNNI): int8 dot products in one instruction. */
  vnni: boolean;
}

/** The feature flags of the first processor in a /proc/cpuinfo text (`flags` on x86, `Features` on ARM). */
export function parseCpuinfoFlags(cpuinfo: string): Set<string> {
  const line = /^(?:flags|Features)\s*:\s*(.*)$/m.exec(cpuinfo);
  return new Set(line === null ? [] : line[1].trim().split(/\s+/));
}

/** Features from an architecture and flag set; `flags` undefined = unknown (assume the common baseline). */
export function featuresFrom(arch: string, flags: Set<string> | undefined): CpuFeatures {
  const kind = arch === "x64" || arch === "arm64" ? arch : "other";
  if (kind !== "x64") return { arch: kind, avx2: false, avx512: false, vnni: false };
  // Every x64 machine sold in the last decade has AVX2; without /proc/cpuinfo that is the safe assumption.
  if (flags === undefined) return { arch: kind, avx2: true, avx512: false, vnni: false };
  const avx512 = flags.has("avx512f") && flags.has("avx512bw");
  return {
    arch: kind,
    avx2: flags.has("avx2"),
    avx512,
    vnni: avx512 && (flags.has("avx512_vnni") || flags.has("avx_vnni")),
  };
}

let cached: CpuFeatures | undefined;

/** This machine's features (read once). */
export function cpuFeatures(): CpuFeatures {
  if (cached !== undefined) return cached;
  let flags: Set<string> | undefined;
  if (process.platform === "linux") {
    try {
      const parsed = parseCpuinfoFlags(readFileSync("/proc/cpuinfo", "utf8"));
      flags = parsed.size > 0 ? parsed : undefined;
    } catch {
      flags = undefined;
    }
  }
  cached = featuresFrom(process.arch, flags);
  return cached;
}
