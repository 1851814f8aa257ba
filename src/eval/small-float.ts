/**
 * Lucene's SmallFloat.intToByte4 / byte4ToInt (Lucene 8+): document lengths are stored in one byte, exact up to 24
 * and with 4 significant bits above, so BM25's length normalisation sees the decoded (rounded-down) length.
 */
const NUM_FREE_VALUES = 255 - longToInt4(2 ** 31 - 1); // 24

function longToInt4(i: number): number {
  const numBits = i === 0 ? 0 : Math.floor(Math.log2(i)) + 1;
  if (numBits < 4) return i;
  const shift = numBits - 4;
  return (Math.floor(i / 2 ** shift) & 0x07) | ((shift + 1) << 3);
}

function int4ToLong(i: number): number {
  const bits = i & 0x07;
  const shift = (i >>> 3) - 1;
  return shift === -1 ? bits : (bits | 0x08) * 2 ** shift;
}

/** The norm byte (0..255) Lucene stores for a field of `length` tokens. */
export function intToByte4(length: number): number {
  if (!Number.isInteger(length) || length < 0) throw new RangeError(`length must be a non-negative integer`);
  return length < NUM_FREE_VALUES ? length : NUM_FREE_VALUES + longToInt4(length - NUM_FREE_VALUES);
}

/** The length Lucene's BM25 uses for a norm byte. */
export function byte4ToInt(b: number): number {
  return b < NUM_FREE_VALUES ? b : NUM_FREE_VALUES + int4ToLong(b - NUM_FREE_VALUES);
}
