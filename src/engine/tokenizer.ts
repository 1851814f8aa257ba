// CONTRACT SKELETON — to the tokenizer helper: implement this module with exactly this API.
// Read /work/main/docs/HELPERS.md first: it has the working rules for every helper (git: commit only your own
// paths, never `git add -A`; deadlines) and the whole engine API shared with the other helpers.
//
// export interface Encoding { ids: number[]; typeIds: number[]; truncated: boolean }
// export class Tokenizer {
//   static async fromDir(dir: string): Promise<Tokenizer>; // tokenizer.json (+ tokenizer_config.json, special_tokens_map.json); lazy import of @huggingface/tokenizers (MissingDependencyError)
//   tokenize(text: string): number[];                       // ids without special tokens; equal to Rust tokenizers
//   withSpecialTokens(a: number[], b?: number[]): { ids: number[]; typeIds: number[] }; // the post-processor's layout
//   numSpecialTokens(pair: boolean): number;
//   encodePair(a: string, b: string, maxLength: number): Encoding;  // = Python tokenizer(a, b, truncation=True) (longest_first, separators kept)
//   encode(text: string, maxLength?: number, options?: { addSpecialTokens?: boolean }): Encoding; // = tokenizer(text, truncation=True, max_length)
//   tokenToId(token: string): number | undefined;
//   idToToken(id: number): string | undefined;
//   readonly padTokenId: number | undefined; readonly maskTokenId: number | undefined;
//   readonly clsTokenId: number | undefined; readonly sepTokenId: number | undefined;
//   readonly eosTokenId: number | undefined; readonly unkTokenId: number | undefined;
// }
// export function longestFirst(n1: number, n2: number, budget: number): [number, number];
export {};
