export type { Bm25Options } from "./bm25.js";
export { Bm25Index, defaultTokenize } from "./bm25.js";
export type { BeirDataset } from "./dataset.js";
export { documentText, loadBeir, parseQrels, parseRun } from "./dataset.js";
export { englishAnalyze, LUCENE_ENGLISH_STOP_WORDS, standardTokenize } from "./english-analyzer.js";
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
export type { Comparison, EvalMetadata, EvalOptions, EvalReport, SystemResult } from "./run-eval.js";
export { compareSystems, distinctLabels, evaluatedQueries, firstStage, runEvaluation } from "./run-eval.js";
export type { PairedTest } from "./significance.js";
export { holm, pairedTests, regularizedBeta, seededRandom, studentTwoSidedP } from "./significance.js";
export { byte4ToInt, intToByte4 } from "./small-float.js";
export { formatReportTable, paperTable } from "./tables.js";
export type { EvalWarning } from "./warnings.js";
