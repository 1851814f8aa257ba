/**
 * Builds zip archives byte by byte for tests, including broken ones: lying sizes, zip64 end records, duplicate
 * names, bombs. Independent of src/engine/zip.ts (its own CRC-32 table, deflate from node:zlib).
 */
import { constants, deflateRawSync } from "node:zlib";

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

function crc(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export interface TestEntry {
  name: string;
  /** Unpacked content (stored unless `deflate`). */
  data?: Uint8Array;
  deflate?: boolean;
  /** Pre-made raw deflate stream (with `size` and `crc`), e.g. a bomb. */
  raw?: { packed: Uint8Array; size: number; crc: number };
  /** Override the size written in the headers (a lying archive). */
  declaredSize?: number;
}

export interface ZipBuildOptions {
  /** Write zip64 end records (and 0xffff / 0xffffffff in the classic end record). */
  zip64?: boolean;
}

export function buildZip(entries: readonly TestEntry[], options: ZipBuildOptions = {}): Buffer {
  const chunks: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    let packed: Uint8Array;
    let size: number;
    let sum: number;
    let method: number;
    if (e.raw) {
      ({ packed, size, crc: sum } = e.raw);
      method = 8;
    } else {
      const data = e.data ?? new Uint8Array(0);
      size = data.length;
      sum = crc(data);
      packed = e.deflate ? deflateRawSync(data) : data;
      method = e.deflate ? 8 : 0;
    }
    const declared = e.declaredSize ?? size;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x800, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(sum, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(declared, 22);
    local.writeUInt16LE(name.length, 26);
    chunks.push(local, name, Buffer.from(packed));
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(45, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(0x800, 8);
    cd.writeUInt16LE(method, 10);
    cd.writeUInt32LE(sum, 16);
    cd.writeUInt32LE(packed.length, 20);
    cd.writeUInt32LE(declared, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE(offset, 42);
    central.push(cd, name);
    offset += 30 + name.length + packed.length;
  }
  const cdOffset = offset;
  const cdSize = central.reduce((n, b) => n + b.length, 0);
  const tail: Buffer[] = [];
  if (options.zip64) {
    const rec = Buffer.alloc(56);
    rec.writeUInt32LE(0x06064b50, 0);
    rec.writeBigUInt64LE(44n, 4);
    rec.writeUInt16LE(45, 12);
    rec.writeUInt16LE(45, 14);
    rec.writeBigUInt64LE(BigInt(entries.length), 24);
    rec.writeBigUInt64LE(BigInt(entries.length), 32);
    rec.writeBigUInt64LE(BigInt(cdSize), 40);
    rec.writeBigUInt64LE(BigInt(cdOffset), 48);
    const loc = Buffer.alloc(20);
    loc.writeUInt32LE(0x07064b50, 0);
    loc.writeBigUInt64LE(BigInt(cdOffset + cdSize), 8);
    loc.writeUInt32LE(1, 16);
    tail.push(rec, loc);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  const count16 = options.zip64 ? 0xffff : entries.length & 0xffff;
  end.writeUInt16LE(count16, 8);
  end.writeUInt16LE(count16, 10);
  end.writeUInt32LE(options.zip64 ? 0xffffffff : cdSize, 12);
  end.writeUInt32LE(options.zip64 ? 0xffffffff : cdOffset, 16);
  tail.push(end);
  return Buffer.concat([...chunks, ...central, ...tail]);
}

/**
 * A raw deflate stream of `mib` MiB of zeros, built by repeating one sync-flushed block, so a 1 GiB bomb costs
 * about 1 MB and no GiB buffer. Its CRC is computed only when asked (a GiB of table lookups takes seconds).
 */
export function zeroBomb(mib: number, withCrc = true): { packed: Uint8Array; size: number; crc: number } {
  const zeros = Buffer.alloc(1024 * 1024);
  const block = deflateRawSync(zeros, { finishFlush: constants.Z_SYNC_FLUSH });
  const final = deflateRawSync(Buffer.alloc(0));
  const packed = Buffer.concat([...Array.from({ length: mib }, () => block), final]);
  // CRC of n zero MiB: run the table over one MiB, n times, continuing the register.
  let c = 0xffffffff;
  for (let m = 0; m < (withCrc ? mib : 0); m++)
    for (let i = 0; i < zeros.length; i++) c = TABLE[c & 0xff] ^ (c >>> 8);
  return { packed, size: mib * 1024 * 1024, crc: (c ^ 0xffffffff) >>> 0 };
}
