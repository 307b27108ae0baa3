/** Errors raised by the PromQL parser and evaluator. */

/** Where in the query text a parse error was found (offset is 0-based, line/column 1-based). */
export interface ParsePosition {
  offset: number;
  line: number;
  column: number;
}

/** Computes line/column of a 0-based offset into `input`. */
export function positionOf(input: string, offset: number): ParsePosition {
  let line = 1;
  let col = 1;
  const end = Math.min(offset, input.length);
  for (let i = 0; i < end; i++) {
    if (input.charCodeAt(i) === 10) {
      line++;
      col = 1;
    } else col++;
  }
  return { offset, line, column: col };
}

/** A syntax or type error in a PromQL expression. */
export class PromQLParseError extends Error {
  readonly position: ParsePosition;
  /** The message without the position prefix. */
  readonly detail: string;
  constructor(input: string, offset: number, detail: string) {
    const position = positionOf(input, offset);
    super(`${position.line}:${position.column}: parse error: ${detail}`);
    this.name = 'PromQLParseError';
    this.position = position;
    this.detail = detail;
  }
}

/** A failure while evaluating a query (bad data shape, limits exceeded). */
export class PromQLEvalError extends Error {
  /**
   * Stable kind for the HTTP layer: 'execution' (bad data or query shape, Prometheus' "execution"
   * error), 'limit' (resource limits) or 'timeout' (aborted through QueryOptions.shouldAbort).
   */
  readonly kind: 'execution' | 'limit' | 'timeout';
  constructor(message: string, kind: 'execution' | 'limit' | 'timeout' = 'execution') {
    super(message);
    this.name = 'PromQLEvalError';
    this.kind = kind;
  }
}
