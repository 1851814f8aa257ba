import { InvalidInputError, ModelFilesError } from "../core/errors.js";

/** A verbalizer token: a vocabulary string (SentencePiece pieces start with U+2581 "▁") or a numeric id. */
export type TokenSpec = string | number;

/** `[false, true]` tokens. */
export type TokenPair = readonly [TokenSpec, TokenSpec];

const FALSE_TRUE: TokenPair = ["▁false", "▁true"];
const NO_YES: TokenPair = ["▁no", "▁yes"];
const NAO_SIM: TokenPair = ["▁não", "▁sim"];
const NAO_SIM_CAPITAL: TokenPair = ["▁Não", "▁Sim"];
// Python's table really has "▁" (a bare word boundary) as the false token for these two models.
const BARE_TRUE: TokenPair = ["▁", "▁true"];
const TWOLAR: TokenPair = [6136, 1176];

function entries(models: readonly string[], pair: TokenPair): [string, TokenPair][] {
  return models.map((m) => [m, pair]);
}

/** Python rerankers' `PREDICTION_TOKENS` (t5ranker.py), exact model names. */
export const PREDICTION_TOKENS: ReadonlyMap<string, TokenPair> = new Map<string, TokenPair>([
  ...entries(
    [
      "castorini/monot5-base-msmarco",
      "castorini/monot5-base-msmarco-10k",
      "castorini/monot5-large-msmarco",
      "castorini/monot5-large-msmarco-10k",
      "castorini/monot5-base-med-msmarco",
      "castorini/monot5-3b-med-msmarco",
      "castorini/monot5-3b-msmarco-10k",
      "unicamp-dl/InRanker-small",
      "unicamp-dl/InRanker-base",
      "unicamp-dl/InRanker-3B",
    ],
    FALSE_TRUE,
  ),
  ...entries(
    [
      "unicamp-dl/mt5-base-en-msmarco",
      "unicamp-dl/mt5-base-en-pt-msmarco-v2",
      "unicamp-dl/mt5-base-mmarco-v2",
      "unicamp-dl/mt5-base-en-pt-msmarco-v1",
      "unicamp-dl/mt5-base-mmarco-v1",
    ],
    NO_YES,
  ),
  ...entries(
    [
      "unicamp-dl/ptt5-base-pt-msmarco-10k-v2",
      "unicamp-dl/ptt5-base-pt-msmarco-100k-v2",
      "unicamp-dl/ptt5-base-en-pt-msmarco-100k-v2",
      "unicamp-dl/ptt5-base-pt-msmarco-10k-v1",
      "unicamp-dl/ptt5-base-pt-msmarco-100k-v1",
      "unicamp-dl/ptt5-base-en-pt-msmarco-10k-v1",
    ],
    NAO_SIM,
  ),
  ...entries(["unicamp-dl/mt5-3B-mmarco-en-pt", "unicamp-dl/mt5-13b-mmarco-100k"], BARE_TRUE),
  ...entries(
    [
      "unicamp-dl/monoptt5-small",
      "unicamp-dl/monoptt5-base",
      "unicamp-dl/monoptt5-large",
      "unicamp-dl/monoptt5-3b",
    ],
    NAO_SIM_CAPITAL,
  ),
  ...entries(["Dundalia/TWOLAR-large", "Dundalia/TWOLAR-xl"], TWOLAR),
]);

export const DEFAULT_PREDICTION_TOKENS: TokenPair = FALSE_TRUE;

/**
 * `[false, true]` tokens for a model name: the exact Python entry, else a case-insensitive match of the name,
 * else the default `["▁false", "▁true"]` (`known: false`).
 */
export function predictionTokens(modelName: string): { tokens: TokenPair; known: boolean } {
  const exact = PREDICTION_TOKENS.get(modelName.trim());
  if (exact) return { tokens: exact, known: true };
  const lower = modelName.trim().toLowerCase();
  for (const [name, pair] of PREDICTION_TOKENS)
    if (name.toLowerCase() === lower) return { tokens: pair, known: true };
  return { tokens: DEFAULT_PREDICTION_TOKENS, known: false };
}

export interface Vocabulary {
  tokenToId(token: string): number | undefined;
  readonly unkTokenId: number | undefined;
  idToToken(id: number): string | undefined;
}

/**
 * Turn a token spec into a vocabulary id. Unknown strings are an error, never a silent `<unk>`: `fromUser` decides
 * which error (a bad option is invalid input; a built-in table entry missing from the vocabulary means the files
 * are not the model the table was written for). A digit-only string that is not a token is read as an id (CLI).
 */
export function resolveTokenId(
  spec: TokenSpec,
  vocab: Vocabulary,
  vocabSize: number,
  what: string,
  fromUser: boolean,
): number {
  const fail = (msg: string) => (fromUser ? new InvalidInputError(msg) : new ModelFilesError(msg));
  if (typeof spec === "string") {
    const id = vocab.tokenToId(spec);
    if (id !== undefined && (id !== vocab.unkTokenId || vocab.idToToken(id) === spec)) return id;
    if (!/^\d+$/.test(spec)) throw fail(`${what} ${JSON.stringify(spec)} is not in the model's vocabulary`);
    spec = Number(spec);
  }
  if (typeof spec !== "number" || !Number.isInteger(spec) || spec < 0 || spec >= vocabSize) {
    throw fail(`${what} id ${JSON.stringify(spec)} is outside the vocabulary (0..${vocabSize - 1})`);
  }
  return spec;
}
