export type { Bm25Options } from "./bm25.js";
export { Bm25Index, defaultTokenize } from "./bm25.js";
export type { BeirDataset } from "./dataset.js";
export { documentText, loadBeir, parseQrels, parseRun } from "./dataset.js";
export type { Qrels, QueryMetrics, Run } from "./metrics.js";
export {
  averagePrecision,
  evaluate,
  METRIC_NAMES,
  mrrAt,
  ndcgAt,
  queryMetrics,
  recallAt,
  sortRun,
} from "./metrics.js";
export { reportHtml } from "./report-html.js";
export type { EvalOptions, EvalReport, SystemResult } from "./run-eval.js";
export { firstStage, formatReportTable, runEvaluation } from "./run-eval.js";
