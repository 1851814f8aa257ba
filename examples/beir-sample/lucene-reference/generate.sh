#!/usr/bin/env bash
# Regenerates the Lucene reference files next to this script from Apache Lucene itself.
# Needs a JDK and Debian's liblucene8-java (apt-get install -y default-jdk-headless liblucene8-java), plus a word
# list for the stemmer pairs (apt-get install -y wamerican).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cp="$(ls /usr/share/java/lucene-core-8*.jar):$(ls /usr/share/java/lucene-analyzers-common-8*.jar)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
javac -d "$tmp" -cp "$cp" "$here/LuceneReference.java"
# Pyserini's "flat" BEIR documents: title and text joined by a space.
node -e '
const fs = require("node:fs");
const flat = (s) => String(s).replace(/[\t\r\n]+/g, " ");
const lines = (f) => fs.readFileSync(f, "utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
fs.writeFileSync(process.argv[2], lines(process.argv[1] + "/corpus.jsonl").map((d) => `${d._id}\t${flat(`${d.title ?? ""} ${d.text ?? ""}`)}`).join("\n") + "\n");
fs.writeFileSync(process.argv[3], lines(process.argv[1] + "/queries.jsonl").map((q) => `${q._id}\t${flat(q.text ?? "")}`).join("\n") + "\n");
' "$here/.." "$tmp/docs.tsv" "$tmp/queries.tsv"
java -cp "$tmp:$cp" LuceneReference run "$tmp/docs.tsv" "$tmp/queries.tsv" > "$here/bm25.run"
# A synthetic corpus with document lengths from 0 to 600 tokens (length norms quantised above 24), stop words and
# repeated query terms, drawn with a fixed seed from the stemmer word list's words.
node -e '
const fs = require("node:fs");
let seed = 12345;
const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
const words = fs.readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => l.split("\t")[0]).slice(0, 400);
const stop = ["the", "of", "and", "a", "to", "in", "is", "it", "not", "with"];
const word = () => (rand() < 0.2 ? stop[Math.floor(rand() * stop.length)] : words[Math.floor(words.length * rand() ** 2)]);
const text = (n) => Array.from({ length: n }, word).join(" ");
const docs = Array.from({ length: 80 }, (_, i) => `s${i}\t${text(i === 0 ? 0 : Math.floor(rand() ** 2 * 600))}`);
const queries = Array.from({ length: 20 }, (_, i) => `sq${i}\t${text(2 + Math.floor(rand() * 6))}`);
fs.writeFileSync(process.argv[2], docs.join("\n") + "\n");
fs.writeFileSync(process.argv[3], queries.join("\n") + "\n");
' "$here/porter-stems.tsv" "$here/synthetic-docs.tsv" "$here/synthetic-queries.tsv"
java -cp "$tmp:$cp" LuceneReference run "$here/synthetic-docs.tsv" "$here/synthetic-queries.tsv" > "$here/synthetic.run"
java -cp "$tmp:$cp" LuceneReference analyze "$here/analyzer-cases.txt" > "$here/analyzer-cases.tokens"
# Every 40th ASCII word of the system word list (about 2,300 words), stemmed by Lucene's PorterStemFilter.
grep -E '^[a-z]+$' /usr/share/dict/words | awk 'NR % 40 == 0' > "$tmp/words.txt"
java -cp "$tmp:$cp" LuceneReference stem "$tmp/words.txt" > "$here/porter-stems.tsv"
