/** Languages whose passages are cut by characters, not whitespace words (RankGPT: zh, ja). */
const CHARACTER_LANGS = new Set(["zh", "ja"]);

/** The first `maxWords` whitespace-separated words, joined by single spaces (Python `" ".join(s.split()[:n])`). */
export function firstWords(text: string, maxWords: number): string {
  return text
    .split(/\s+/)
    .filter((w) => w !== "")
    .slice(0, maxWords)
    .join(" ");
}

/** The first `maxChars` code points (Python string slicing). */
export function firstChars(text: string, maxChars: number): string {
  return Array.from(text).slice(0, maxChars).join("");
}

/** RankGPT's passage budget: 300 words, or 300 characters for zh/ja. */
export function cutPassage(text: string, budget: number, lang: string): string {
  return CHARACTER_LANGS.has(lang.toLowerCase()) ? firstChars(text, budget) : firstWords(text, budget);
}
