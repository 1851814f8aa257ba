// Types only (no runtime import): from `llamaindex`, the package LlamaIndex.TS users install, so that nodes built
// with its classes match (it re-exports `@llamaindex/core`, which is deprecated as a direct dependency).
import type { BaseNodePostprocessor, MessageContent, NodeWithScore } from "llamaindex";
import { InvalidInputError } from "../core/errors.js";
import { lazyRanker, type RankerSource, relevanceOf } from "./ranker-source.js";

export interface RerankersPostprocessorOptions {
  ranker: RankerSource;
  /** Keep only the best k nodes (all by default). */
  topK?: number;
}

/** The text parts of a LlamaIndex message content. */
function queryText(query: MessageContent | undefined): string {
  if (typeof query === "string") return query;
  const text = (query ?? [])
    .filter((part): part is { type: "text"; text: string } => part.type === "text")
    .map((part) => part.text)
    .join("\n");
  if (text === "") throw new InvalidInputError("RerankersPostprocessor needs a text query");
  return text;
}

/**
 * A LlamaIndex.TS node postprocessor: reranks retrieved nodes. Returns new `{ node, score }` objects in rank
 * order; the nodes themselves are not modified.
 */
export class RerankersPostprocessor implements BaseNodePostprocessor {
  readonly topK: number | undefined;
  readonly #ranker: ReturnType<typeof lazyRanker>;

  constructor(options: RerankersPostprocessorOptions) {
    this.topK = options.topK;
    this.#ranker = lazyRanker(options.ranker);
  }

  async postprocessNodes(nodes: NodeWithScore[], query?: MessageContent): Promise<NodeWithScore[]> {
    const q = queryText(query);
    const ranker = await this.#ranker();
    // "NONE" = MetadataMode.NONE: the node's text without metadata (kept as a literal to avoid a runtime import).
    const texts = nodes.map(({ node }) => node.getContent("NONE" as Parameters<typeof node.getContent>[0]));
    const results = await ranker.rank(q, texts, { topK: this.topK });
    return results.results.map((r) => ({ node: nodes[r.docId as number].node, score: relevanceOf(r) }));
  }
}
