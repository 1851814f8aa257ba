/**
 * SentencePiece's `Precompiled` normalizer, as the Rust `tokenizers` library applies it (crate `spm_precompiled`).
 *
 * `@huggingface/tokenizers` replaces the charsmap with an NFKC approximation that differs from Rust on zero-width
 * joiners, on the order of Arabic combining marks and on stacked combining marks; this reads the real charsmap.
 *
 * Blob layout: `u32le trieBytes`, then the darts-clone double-array trie (`trieBytes / 4` u32le units) mapping UTF-8
 * keys to byte offsets into the rest of the blob, a run of NUL-terminated UTF-8 replacement strings.
 */

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: true });

export class PrecompiledCharsmap {
  private readonly units: Uint32Array;
  private readonly normalized: Uint8Array;
  private readonly cache = new Map<string, string | null>();

  constructor(blob: Uint8Array) {
    if (blob.length < 4) throw new Error("precompiled_charsmap is too short");
    const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    const trieBytes = view.getUint32(0, true);
    const unitCount = Math.floor(trieBytes / 4);
    if (4 + unitCount * 4 > blob.length) throw new Error("precompiled_charsmap trie is truncated");
    this.units = new Uint32Array(unitCount);
    for (let i = 0; i < unitCount; i++) this.units[i] = view.getUint32(4 + i * 4, true);
    this.normalized = blob.subarray(4 + unitCount * 4);
  }

  static fromBase64(charsmap: string): PrecompiledCharsmap {
    // atob rather than Buffer: this also runs in browsers.
    return new PrecompiledCharsmap(Uint8Array.from(atob(charsmap), (c) => c.charCodeAt(0)));
  }

  /** The value of the shortest key in the trie that is a prefix of `key` (Rust: `first_prefix_value`). */
  private firstPrefixValue(key: Uint8Array): number | undefined {
    const units = this.units;
    if (units.length === 0) return undefined;
    let pos = offsetOf(units[0]);
    for (const c of key) {
      if (c === 0) break;
      pos ^= c;
      const unit = units[pos];
      if (unit === undefined || label(unit) !== c) return undefined;
      pos ^= offsetOf(unit);
      if (hasLeaf(unit)) {
        const leaf = units[pos];
        return leaf === undefined ? undefined : leaf & 0x7fffffff;
      }
    }
    return undefined;
  }

  /** The replacement for `chunk`, or null when no rule matches. */
  transform(chunk: string): string | null {
    const cached = this.cache.get(chunk);
    if (cached !== undefined) return cached;
    const index = this.firstPrefixValue(utf8.encode(chunk));
    let out: string | null = null;
    if (index !== undefined && index <= this.normalized.length) {
      let end = this.normalized.indexOf(0, index);
      if (end < 0) end = this.normalized.length;
      out = utf8Decoder.decode(this.normalized.subarray(index, end));
    }
    if (this.cache.size < 65536) this.cache.set(chunk, out);
    return out;
  }

  /**
   * Rust's `Precompiled::normalize_string`: per extended grapheme cluster, a cluster shorter than 6 UTF-8 bytes is
   * replaced whole when a rule matches (a rule matching only its first character still replaces the whole cluster);
   * otherwise each character is replaced by its own rule or kept.
   */
  normalize(text: string): string {
    let out = "";
    // Printable ASCII between printable ASCII neighbours is a grapheme of its own (no grapheme rule joins it to
    // them), so only the stretches around other characters need the (slow) Unicode segmenter. The stretches start
    // and end at grapheme boundaries, so segmenting them alone gives the same clusters as the whole text.
    let slowStart = -1;
    for (let i = 0; i < text.length; i++) {
      const fast =
        isPrintableAscii(text.charCodeAt(i)) &&
        (i === 0 || isPrintableAscii(text.charCodeAt(i - 1))) &&
        (i === text.length - 1 || isPrintableAscii(text.charCodeAt(i + 1)));
      if (!fast) {
        if (slowStart < 0) slowStart = i;
        continue;
      }
      if (slowStart >= 0) {
        out += this.normalizeClusters(text.slice(slowStart, i));
        slowStart = -1;
      }
      const ch = text[i];
      out += this.transform(ch) ?? ch;
    }
    if (slowStart >= 0) out += this.normalizeClusters(text.slice(slowStart));
    return out;
  }

  private normalizeClusters(text: string): string {
    let out = "";
    for (const { segment } of graphemes(text)) {
      if (utf8Length(segment) < 6) {
        const norm = this.transform(segment);
        if (norm !== null) {
          out += norm;
          continue;
        }
      }
      for (const ch of segment) {
        const norm = this.transform(ch);
        out += norm ?? ch;
      }
    }
    return out;
  }
}

function isPrintableAscii(code: number): boolean {
  return code >= 0x20 && code <= 0x7e;
}

let segmenter: Intl.Segmenter | null | undefined;

/** Approximate clusters (base + marks, joined by ZWJ) for a Node built without ICU's segmenter. */
const roughClusters = /(?:\P{M}\p{M}*|\p{M}+)(?:\u200d(?:\P{M}\p{M}*)?)*/gsu;

function graphemes(text: string): Iterable<{ segment: string }> {
  if (segmenter === undefined) {
    segmenter =
      typeof Intl.Segmenter === "function"
        ? new Intl.Segmenter(undefined, { granularity: "grapheme" })
        : null;
  }
  if (segmenter) return segmenter.segment(text);
  return Array.from(text.matchAll(roughClusters), (m) => ({ segment: m[0] }));
}

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

// darts-clone unit layout.
function hasLeaf(unit: number): boolean {
  return ((unit >>> 8) & 1) === 1;
}
function label(unit: number): number {
  // (1 << 31) | 0xff: a unit with the high bit set never equals a byte label.
  return unit & 0x800000ff;
}
function offsetOf(unit: number): number {
  return ((unit >>> 10) << ((unit & (1 << 9)) >>> 6)) >>> 0;
}
