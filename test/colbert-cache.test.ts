import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EmbeddingCache } from "../src/engine/embedding-cache.js";

const sized = (bytes: number) => new EmbeddingCache<Uint8Array>(bytes, (v) => v.byteLength);

describe("EmbeddingCache (LRU bounded in bytes)", () => {
  it("evicts the least recently used entries once the byte bound is exceeded", () => {
    const c = sized(100);
    c.set("a", new Uint8Array(40));
    c.set("b", new Uint8Array(40));
    assert.equal(c.bytes, 80);
    assert.ok(c.get("a")); // a is now more recent than b
    c.set("c", new Uint8Array(40)); // 120 > 100: evict b (least recent)
    assert.equal(c.has("b"), false);
    assert.ok(c.has("a") && c.has("c"));
    assert.equal(c.bytes, 80);
    assert.equal(c.size, 2);
  });

  it("replacing a key updates its size; a value larger than the bound is not stored", () => {
    const c = sized(100);
    c.set("a", new Uint8Array(10));
    c.set("a", new Uint8Array(30));
    assert.equal(c.bytes, 30);
    c.set("big", new Uint8Array(101));
    assert.equal(c.has("big"), false);
    assert.equal(c.bytes, 30);
    c.set("a", new Uint8Array(200));
    assert.equal(c.has("a"), false, "an oversized replacement drops the old value");
    assert.equal(c.bytes, 0);
  });

  it("0 bytes disables caching; delete and clear release bytes; stats count hits and misses", () => {
    const off = sized(0);
    off.set("a", new Uint8Array(1));
    assert.equal(off.size, 0);
    assert.equal(off.get("a"), undefined);

    const c = sized(50);
    c.set("x", new Uint8Array(20));
    c.set("y", new Uint8Array(20));
    assert.equal(c.delete("x"), true);
    assert.equal(c.delete("x"), false);
    assert.equal(c.bytes, 20);
    c.get("y");
    c.get("x");
    assert.deepEqual(c.stats, { hits: 1, misses: 1, entries: 1, bytes: 20, maxBytes: 50 });
    c.clear();
    assert.equal(c.bytes, 0);
    assert.equal(c.size, 0);
    assert.throws(() => sized(-1), RangeError);
  });
});
