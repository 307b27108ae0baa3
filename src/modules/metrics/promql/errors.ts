/**
 * Errors raised by the PromQL parser and evaluator. Both are VigilErrors, with the HTTP statuses
 * Prometheus' API uses: bad_data 400 (parse), execution 422, timeout 503.
 */
import { VigilError } from '../../../kernel/errors.ts';

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
export class PromQLParseError extends VigilError {
  readonly position: ParsePosition;
  /** The message without the position prefix. */
  readonly detail: string;
  constructor(input: string, offset: number, detail: string) {
    const position = positionOf(input, offset);
    super(400, 'promql-parse-error', `${position.line}:${position.column}: parse error: ${detail}`, {
      position,
    });
    this.name = 'PromQLParseError';
    this.position = position;
    this.detail = detail;
  }
}

/** Category of an evaluation error (decides the HTTP status). */
export type PromQLErrorKind = 'execution' | 'limit' | 'timeout' | 'bad-data';

/** A failure while evaluating a query (bad data shape, limits exceeded). */
export class PromQLEvalError extends VigilError {
  /**
   * Stable kind for the HTTP layer: 'execution' (Prometheus' "execution" error, 422), 'limit'
   * (resource limits, 422), 'timeout' (aborted through QueryOptions.shouldAbort, 503) or
   * 'bad-data' (invalid query parameters such as the step, 400).
   */
  readonly kind: PromQLErrorKind;
  constructor(message: string, kind: PromQLErrorKind = 'execution') {
    super(kind === 'timeout' ? 503 : kind === 'bad-data' ? 400 : 422, `promql-${kind}`, message);
    this.name = 'PromQLEvalError';
    this.kind = kind;
  }
}
