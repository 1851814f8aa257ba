/**
 * A small, strict zip reader for FlashRank archives. It reads the central directory (zip64 included), checks
 * every name and size before writing anything, streams each entry to disk (never the whole archive in memory),
 * verifies sizes and CRC-32s, and renames the finished folder into place, so a cache folder is either complete or
 * absent. Size, entry-count and compression-ratio caps stop zip bombs.
 */
import { randomBytes } from "node:crypto";
import { createWriteStream, existsSync } from "node:fs";
import { type FileHandle, mkdir, open, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import * as zlib from "node:zlib";
import { createInflateRaw, inflateRawSync } from "node:zlib";
import { ModelFilesError } from "../core/errors.js";

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** node:zlib's native CRC-32 (Node >= 20.15); the table below otherwise. */
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** Continue a CRC-32 (`crc` = the value so far, 0 to start). */
export function crc32(data: Uint8Array, crc = 0): number {
  if (nativeCrc32) return nativeCrc32(data, crc) >>> 0;
  let c = (crc ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Caps on what one archive may unpack to. */
export interface ZipLimits {
  /** Sum of all unpacked entries, in bytes. */
  maxTotalBytes: number;
  /** One unpacked entry, in bytes. */
  maxEntryBytes: number;
  /** Entries (files and folders) in the central directory. */
  maxEntries: number;
  /** Unpacked / packed size of one entry, checked for entries over 1 MiB. */
  maxRatio: number;
}

/**
 * Real FlashRank archives hold a handful of files and unpack to a few hundred MB at most; ONNX weights and
 * tokenizer files compress by far less than 100:1, while a zip bomb compresses by ~1000:1.
 */
export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxTotalBytes: 1024 ** 3,
  maxEntryBytes: 1024 ** 3,
  maxEntries: 10_000,
  maxRatio: 100,
};

const RATIO_FLOOR = 1024 * 1024;
const MAX_CENTRAL_DIRECTORY = 64 * 1024 * 1024;
/** Entries this small (packed and unpacked) are inflated in memory; larger ones are streamed. */
const SMALL_ENTRY = 1024 * 1024;
/** Most file systems limit one path component to 255 bytes. */
const MAX_NAME_COMPONENT = 255;

const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;

interface ZipEntry {
  /** As stored in the archive. */
  rawName: string;
  /** `/`-separated path relative to the unpacked folder (common top folder stripped). */
  path: string;
  isDir: boolean;
  method: number;
  flags: number;
  crc: number;
  packedSize: number;
  size: number;
  localOffset: number;
}

/** The archive is malformed. */
class ZipFormatError extends Error {}
/** The archive breaks one of the ZipLimits. */
class LimitError extends Error {}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, position);
  if (bytesRead !== length) throw new ZipFormatError("the archive ends early");
  return buf;
}

function u64(buf: Buffer, at: number): number {
  const v = buf.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipFormatError("a zip64 field is out of range");
  return Number(v);
}

/** Where the central directory is and how many entries it claims (zip64 end records when present). */
async function findCentralDirectory(fh: FileHandle, fileSize: number) {
  if (fileSize < 22) throw new ZipFormatError("no end of central directory record (truncated or not a zip)");
  const tailLen = Math.min(fileSize, 22 + 0xffff);
  const tail = await readAt(fh, fileSize - tailLen, tailLen);
  let end = tailLen - 22;
  while (end >= 0 && tail.readUInt32LE(end) !== SIG_EOCD) end--;
  if (end < 0) throw new ZipFormatError("no end of central directory record (truncated or not a zip)");
  if (tail.readUInt16LE(end + 4) !== 0 || tail.readUInt16LE(end + 6) !== 0)
    throw new ZipFormatError("multi-part archives are not supported");
  let count = tail.readUInt16LE(end + 10);
  let cdSize = tail.readUInt32LE(end + 12);
  let cdOffset = tail.readUInt32LE(end + 16);
  const eocdPos = fileSize - tailLen + end;
  if (eocdPos >= 20) {
    const locator = await readAt(fh, eocdPos - 20, 20);
    if (locator.readUInt32LE(0) === SIG_ZIP64_LOCATOR) {
      const recordPos = u64(locator, 8);
      if (recordPos + 56 > eocdPos)
        throw new ZipFormatError("the zip64 end record points outside the archive");
      const record = await readAt(fh, recordPos, 56);
      if (record.readUInt32LE(0) !== SIG_ZIP64_EOCD)
        throw new ZipFormatError("the zip64 end record is missing");
      count = u64(record, 32);
      cdSize = u64(record, 40);
      cdOffset = u64(record, 48);
      if (cdOffset + cdSize > recordPos)
        throw new ZipFormatError("the central directory points outside the archive");
      return { count, zip64: true, cdSize, cdOffset };
    }
  }
  if (cdOffset + cdSize > eocdPos)
    throw new ZipFormatError("the central directory points outside the archive");
  return { count, zip64: false, cdSize, cdOffset };
}

function zip64Extra(extra: Buffer, need: { size: boolean; packed: boolean; offset: boolean }) {
  let at = 0;
  while (at + 4 <= extra.length) {
    const id = extra.readUInt16LE(at);
    const len = extra.readUInt16LE(at + 2);
    if (id === 0x0001) {
      let p = at + 4;
      const take = () => {
        if (p + 8 > at + 4 + len) throw new ZipFormatError("a zip64 extra field is too short");
        const v = u64(extra, p);
        p += 8;
        return v;
      };
      return {
        size: need.size ? take() : undefined,
        packed: need.packed ? take() : undefined,
        offset: need.offset ? take() : undefined,
      };
    }
    at += 4 + len;
  }
  throw new ZipFormatError("an entry needs a zip64 extra field and has none");
}

/** Why a name is unsafe to create under the target folder, or undefined. */
function unsafeName(name: string): string | undefined {
  if (name.includes("\0")) return "contains a NUL byte";
  if (name.startsWith("/") || /^[A-Za-z]:/.test(name)) return "is an absolute path";
  const parts = name.split("/");
  const body = name.endsWith("/") ? parts.slice(0, -1) : parts;
  if (body.length === 0 || body.some((p) => p === "")) return "has an empty path component";
  if (body.some((p) => p === "." || p === "..")) return "contains . or ..";
  if (body.some((p) => Buffer.byteLength(p) > MAX_NAME_COMPONENT))
    return `has a path component longer than ${MAX_NAME_COMPONENT} bytes`;
  return undefined;
}

const short = (s: string) => JSON.stringify(s.length > 120 ? `${s.slice(0, 120)}…` : s);

async function readEntries(fh: FileHandle, fileSize: number, limits: ZipLimits): Promise<ZipEntry[]> {
  const { count, zip64, cdSize, cdOffset } = await findCentralDirectory(fh, fileSize);
  if (count > limits.maxEntries)
    throw new LimitError(`has ${count} entries, more than the limit of ${limits.maxEntries}`);
  if (cdSize > MAX_CENTRAL_DIRECTORY) throw new LimitError(`has a ${cdSize}-byte central directory`);
  const cd = await readAt(fh, cdOffset, cdSize);
  const decoder = new TextDecoder();
  const entries: ZipEntry[] = [];
  let off = 0;
  while (off < cd.length) {
    if (off + 46 > cd.length || cd.readUInt32LE(off) !== SIG_CENTRAL)
      throw new ZipFormatError("the central directory is corrupt");
    if (entries.length >= limits.maxEntries)
      throw new LimitError(`has more than the limit of ${limits.maxEntries} entries`);
    const nameLen = cd.readUInt16LE(off + 28);
    const extraLen = cd.readUInt16LE(off + 30);
    const commentLen = cd.readUInt16LE(off + 32);
    const next = off + 46 + nameLen + extraLen + commentLen;
    if (next > cd.length) throw new ZipFormatError("the central directory is corrupt");
    let size = cd.readUInt32LE(off + 24);
    let packedSize = cd.readUInt32LE(off + 20);
    let localOffset = cd.readUInt32LE(off + 42);
    const need = {
      size: size === 0xffffffff,
      packed: packedSize === 0xffffffff,
      offset: localOffset === 0xffffffff,
    };
    if (need.size || need.packed || need.offset) {
      const z = zip64Extra(cd.subarray(off + 46 + nameLen, off + 46 + nameLen + extraLen), need);
      size = z.size ?? size;
      packedSize = z.packed ?? packedSize;
      localOffset = z.offset ?? localOffset;
    }
    const rawName = decoder.decode(cd.subarray(off + 46, off + 46 + nameLen));
    const name = rawName.replace(/\\/g, "/");
    entries.push({
      rawName,
      path: name,
      isDir: name.endsWith("/"),
      flags: cd.readUInt16LE(off + 8),
      method: cd.readUInt16LE(off + 10),
      crc: cd.readUInt32LE(off + 16),
      packedSize,
      size,
      localOffset,
    });
    off = next;
  }
  // Without zip64 records, writers store the count modulo 65,536 or saturated at 65,535: the directory decides.
  const n = entries.length;
  const countOk = zip64 ? n === count : (n & 0xffff) === count || (count === 0xffff && n >= 0xffff);
  if (!countOk)
    throw new ZipFormatError(`the central directory holds ${n} entries but the end record says ${count}`);
  return entries;
}

/** Check names, duplicates, limits and methods of every entry; strip a common top folder. */
function plan(entries: ZipEntry[], limits: ZipLimits): ZipEntry[] {
  const seen = new Map<string, string>();
  const dirs = new Set<string>();
  let total = 0;
  for (const e of entries) {
    const why = unsafeName(e.path);
    if (why) throw new ZipFormatError(`the entry ${short(e.rawName)} ${why}`);
    const key = e.path.replace(/\/$/, "").toLowerCase();
    const prior = seen.get(key);
    // Folders may repeat; a file may not repeat, nor share a name with a folder (case-insensitive file systems).
    if (prior !== undefined && !(e.isDir && prior.endsWith("/")))
      throw new ZipFormatError(`contains the entry ${short(e.rawName)} twice`);
    seen.set(key, e.path);
    const parts = key.split("/");
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
    if (e.isDir) continue;
    if (e.flags & 1) throw new ZipFormatError(`the entry ${short(e.rawName)} is encrypted`);
    if (e.method !== 0 && e.method !== 8)
      throw new ZipFormatError(
        `the entry ${short(e.rawName)} uses compression method ${e.method} (only stored and deflate are supported)`,
      );
    if (e.method === 0 && e.packedSize !== e.size)
      throw new ZipFormatError(
        `the stored entry ${short(e.rawName)} has different packed and unpacked sizes`,
      );
    if (e.size > limits.maxEntryBytes)
      throw new LimitError(
        `entry ${short(e.rawName)} unpacks to ${e.size} bytes, more than the limit of ${limits.maxEntryBytes}`,
      );
    if (e.size > RATIO_FLOOR && e.size > limits.maxRatio * Math.max(e.packedSize, 1))
      throw new LimitError(
        `entry ${short(e.rawName)} expands ${Math.round(e.size / Math.max(e.packedSize, 1))}:1, more than the limit of ${limits.maxRatio}:1`,
      );
    total += e.size;
    if (total > limits.maxTotalBytes)
      throw new LimitError(`unpacks to more than the limit of ${limits.maxTotalBytes} bytes`);
  }
  for (const e of entries) {
    if (!e.isDir && dirs.has(e.path.toLowerCase()))
      throw new ZipFormatError(`the entry ${short(e.rawName)} is both a file and a folder`);
  }
  const files = entries.filter((e) => !e.isDir);
  const top = files[0]?.path.split("/")[0];
  if (top && files.every((e) => e.path.startsWith(`${top}/`))) {
    return files.map((e) => ({ ...e, path: e.path.slice(top.length + 1) }));
  }
  return files;
}

/** Counts, checks and CRCs bytes as they pass; fails as soon as an entry grows past its declared size. */
function meter(entry: ZipEntry, onBytes: (n: number) => void) {
  let size = 0;
  let crc = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > entry.size) {
        done(
          new LimitError(
            `entry ${short(entry.rawName)} unpacks to more than its declared ${entry.size} bytes`,
          ),
        );
        return;
      }
      crc = crc32(chunk, crc);
      try {
        onBytes(chunk.length);
      } catch (e) {
        done(e as Error);
        return;
      }
      done(null, chunk);
    },
  });
  return { stream, result: () => ({ size, crc }) };
}

async function localDataStart(fh: FileHandle, entry: ZipEntry): Promise<number> {
  const header = await readAt(fh, entry.localOffset, 30);
  if (header.readUInt32LE(0) !== SIG_LOCAL)
    throw new ZipFormatError(`the local header of ${short(entry.rawName)} is missing`);
  return entry.localOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
}

async function extractEntry(fh: FileHandle, entry: ZipEntry, dest: string, onBytes: (n: number) => void) {
  const start = await localDataStart(fh, entry);
  const packed = entry.packedSize;
  if (entry.size <= SMALL_ENTRY && packed <= SMALL_ENTRY) {
    const raw = packed === 0 ? Buffer.alloc(0) : await readAt(fh, start, packed);
    let data: Buffer;
    try {
      data = entry.method === 8 ? inflateRawSync(raw, { maxOutputLength: Math.max(entry.size, 1) }) : raw;
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE")
        throw new LimitError(
          `entry ${short(entry.rawName)} unpacks to more than its declared ${entry.size} bytes`,
        );
      throw new ZipFormatError(
        `the entry ${short(entry.rawName)} does not inflate (${(cause as Error).message})`,
      );
    }
    if (data.length !== entry.size || crc32(data) !== entry.crc)
      throw new ZipFormatError(`CRC or size mismatch for ${short(entry.rawName)}`);
    onBytes(data.length);
    await writeFile(dest, data, { flag: "wx" });
    return;
  }
  const source =
    packed === 0
      ? Readable.from([])
      : fh.createReadStream({ start, end: start + packed - 1, autoClose: false, highWaterMark: 256 * 1024 });
  const m = meter(entry, onBytes);
  try {
    const sink = createWriteStream(dest, { flags: "wx" });
    if (entry.method === 8) await pipeline(source, createInflateRaw(), m.stream, sink);
    else await pipeline(source, m.stream, sink);
  } catch (e) {
    if (e instanceof LimitError || (e as NodeJS.ErrnoException).syscall) throw e;
    throw new ZipFormatError(`the entry ${short(entry.rawName)} does not inflate (${(e as Error).message})`);
  }
  const got = m.result();
  if (got.size !== entry.size || got.crc !== entry.crc)
    throw new ZipFormatError(`CRC or size mismatch for ${short(entry.rawName)}`);
}

export interface UnpackOptions {
  limits?: Partial<ZipLimits>;
  /** Called with the unpacked file names before anything is written; throw to refuse the archive. */
  check?: (files: readonly string[]) => void;
}

function recoveryHint(zipPath: string, e: unknown, entry: ZipEntry | undefined): string {
  if (e instanceof LimitError)
    return `${zipPath} ${e.message} (raise the limit with the zipMaxTotalBytes, zipMaxEntryBytes, zipMaxEntries or zipMaxRatio options if the archive is trusted)`;
  if (e instanceof ZipFormatError) return `${zipPath} is not a valid zip archive: ${e.message}`;
  const err = e as NodeJS.ErrnoException;
  const where = entry ? ` (entry ${short(entry.rawName)})` : "";
  // Node's message repeats the (possibly huge) path: name the operation and code instead.
  const what = err.code
    ? `${err.syscall ?? "file system"} failed with ${err.code}`
    : String(err.message).split("\n")[0];
  return `cannot unpack ${zipPath}${where}: ${what}`;
}

/**
 * Unpack `zipPath` into `target` (created atomically through a temporary sibling folder; an existing `target`
 * is kept). Every failure is a ModelFilesError and leaves nothing behind.
 */
export async function unpackZip(
  zipPath: string,
  target: string,
  options: UnpackOptions = {},
): Promise<string> {
  const limits = { ...DEFAULT_ZIP_LIMITS, ...options.limits };
  const tmp = `${target}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  let fh: FileHandle | undefined;
  let current: ZipEntry | undefined;
  try {
    fh = await open(zipPath, "r");
    const files = plan(await readEntries(fh, (await fh.stat()).size, limits), limits);
    options.check?.(files.map((f) => f.path));
    let total = 0;
    const made = new Set<string>();
    for (const entry of files) {
      current = entry;
      const dest = join(tmp, ...entry.path.split("/"));
      const dir = dirname(dest);
      if (!made.has(dir)) {
        await mkdir(dir, { recursive: true });
        made.add(dir);
      }
      await extractEntry(fh, entry, dest, (n) => {
        total += n;
        if (total > limits.maxTotalBytes)
          throw new LimitError(`unpacks to more than the limit of ${limits.maxTotalBytes} bytes`);
      });
    }
    current = undefined;
    await mkdir(dirname(target), { recursive: true });
    try {
      await rename(tmp, target);
    } catch (e) {
      // Another process finished first: keep theirs.
      if (!existsSync(target)) throw e;
    }
    return target;
  } catch (e) {
    if (e instanceof ModelFilesError) throw e;
    throw new ModelFilesError(recoveryHint(zipPath, e, current), { cause: e, path: zipPath });
  } finally {
    await fh?.close();
    await rm(tmp, { recursive: true, force: true });
  }
}
