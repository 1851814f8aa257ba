/** A problem in the input that does not stop the evaluation: printed on stderr and kept in the JSON report. */
export interface EvalWarning {
  code:
    | "run-duplicate-doc"
    | "run-unknown-doc"
    | "run-missing-query"
    | "corpus-duplicate-id"
    | "qrels-query-without-text";
  /** How many entries are affected. */
  count: number;
  message: string;
}

export type WarningSink = (warning: EvalWarning) => void;
