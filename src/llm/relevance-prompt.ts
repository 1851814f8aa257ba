import type { ChatMessage } from "./types.js";

/** Python rerankers' `DEFAULT_PROMPT_TEMPLATE` (llm_relevance_filter.py), verbatim. Placeholders: `{query}`, `{docu_inputs}`. */
export const RELEVANCE_TEMPLATE = `<instructions>
Think carefully about whether the following documents would be useful to answer the query.
For each document, explain your reasoning and then provide a binary decision (RELEVANT or NOT_RELEVANT). If a document is partially relevant, you will assign the RELEVANT label.

The documents will be given to you in the following format:

<input>
<query>
Text of the query.
</query>

<documents>
<document id=0>
Text of the first document.
</document>
<document id=1>
Text of the second document.
</document>
</documents>
</input>
And you will respond in the following format:

<document id=X>
<explanation>
Your reasoning regarding the document's relevance.
</explanation>
<answer>
RELEVANT or NOT_RELEVANT
</answer>
</document>
</instructions>

Here is the query and documents:

<input>
<query>
{query}
</query>

<documents>
{docu_inputs}
</documents>
</input>

Analyse the above documents and provide your responses using the provided format. You must assign either the RELEVANT or NOT_RELEVANT label, no other option is permitted.`;

/** `<document id=i>\ntext\n</document>` blocks, ids 0-based within the call. */
export function documentInputs(texts: readonly string[]): string {
  return texts.map((t, i) => `<document id=${i}>\n${t}\n</document>`).join("\n");
}

/** One user message (Python never sends its SYSTEM string either). One pass, literal: a query containing `{docu_inputs}` or `$&` stays as typed. */
export function relevanceMessages(
  query: string,
  texts: readonly string[],
  template = RELEVANCE_TEMPLATE,
): ChatMessage[] {
  const docs = documentInputs(texts);
  const content = template.replace(/\{(query|docu_inputs)\}/g, (_, key: string) =>
    key === "query" ? query : docs,
  );
  return [{ role: "user", content }];
}
