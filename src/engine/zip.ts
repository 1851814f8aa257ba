import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { MissingDependencyError, ModelFilesError } from "../core/errors.js";

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** name -> CRC-32 from the central directory (fflate does not check CRCs itself). */
function centralCrcs(data: Uint8Array, where: string): Map<string, number> {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let end = data.length - 22;
  while (end >= 0 && view.getUint32(end, true) !== 0x06054b50) end--;
  if (end < 0)
    throw new ModelFilesError(`${where} is not a zip archive (no end of central directory)`, { path: where });
  const count = view.getUint16(end + 10, true);
  let off = view.getUint32(end + 16, true);
  const crcs = new Map<string, number>();
  const decoder = new TextDecoder();
  for (let i = 0; i < count; i++) {
    if (off + 46 > data.length || view.getUint32(off, true) !== 0x02014b50) {
      throw new ModelFilesError(`${where} has a corrupt central directory`, { path: where });
    }
    const crc = view.getUint32(off + 16, true);
    const nameLen = view.getUint16(off + 28, true);
    const extraLen = view.getUint16(off + 30, true);
    const commentLen = view.getUint16(off + 32, true);
    crcs.set(decoder.decode(data.subarray(off + 46, off + 46 + nameLen)), crc);
    off += 46 + nameLen + extraLen + commentLen;
  }
  return crcs;
}

/**
 * Read a zip archive, check every entry's CRC, and return its files with a common top folder stripped
 * (FlashRank archives hold `<name>/...`). Rejects absolute paths and `..`.
 */
export async function readZip(path: string): Promise<Map<string, Uint8Array>> {
  let unzipSync: typeof import("fflate").unzipSync;
  try {
    ({ unzipSync } = await import("fflate"));
  } catch (cause) {
    throw new MissingDependencyError("fflate", "unpacking FlashRank archives", { cause });
  }
  const data = new Uint8Array(await readFile(path));
  const crcs = centralCrcs(data, path);
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(data);
  } catch (cause) {
    throw new ModelFilesError(`${path} is a corrupt zip archive: ${(cause as Error).message}`, {
      cause,
      path,
    });
  }
  const files = new Map<string, Uint8Array>();
  for (const [name, content] of Object.entries(entries)) {
    if (name.endsWith("/")) continue;
    if (name.startsWith("/") || name.split(/[\\/]/).includes("..")) {
      throw new ModelFilesError(`${path} contains an unsafe entry name ${JSON.stringify(name)}`, { path });
    }
    if (crcs.get(name) !== crc32(content))
      throw new ModelFilesError(`${path}: CRC mismatch for ${name} (corrupt archive)`, { path });
    files.set(name, content);
  }
  const names = [...files.keys()];
  const top = names[0]?.split("/")[0];
  if (top && names.every((n) => n.startsWith(`${top}/`))) {
    return new Map([...files].map(([n, c]) => [n.slice(top.length + 1), c]));
  }
  return files;
}

/** Write files into `target` atomically (a temporary sibling folder renamed into place). Returns `target`. */
export async function writeFolderAtomic(target: string, files: Map<string, Uint8Array>): Promise<string> {
  const tmp = `${target}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    for (const [name, content] of files) {
      const dest = join(tmp, name);
      await mkdir(dirname(dest), { recursive: true });
      await writeFile(dest, content);
    }
    await mkdir(dirname(target), { recursive: true });
    try {
      await rename(tmp, target);
    } catch (e) {
      // Another process finished first: keep theirs.
      if (!existsSync(target)) throw e;
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return target;
}
