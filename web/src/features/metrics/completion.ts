/**
 * PromQL completion: what the text before the cursor asks for (a metric or function name, a label
 * name inside `{…}` or `by (…)`, a label value inside quotes, a range duration) and the matching
 * suggestions. Pure functions; the editor fetches the names and values they need.
 */

export type SuggestionKind =
  | 'metric'
  | 'function'
  | 'aggregation'
  | 'keyword'
  | 'label'
  | 'value'
  | 'duration';

export interface Suggestion {
  /** What the list shows. */
  label: string;
  /** Replaces the partial token. */
  insert: string;
  kind: SuggestionKind;
  /** Characters to move the cursor back after inserting (e.g. inside `""`). */
  back?: number;
  /** A metric's type (counter, gauge …) and help text, when known. */
  type?: string;
  help?: string;
}

/** HELP/TYPE per metric name, as /api/v1/metadata returns it. */
export type Metadata = Record<string, Array<{ type: string; help: string }>>;

export type CompletionContext =
  | { type: 'name'; prefix: string; from: number }
  | { type: 'label'; prefix: string; from: number; metric: string | null; used: string[]; grouping: boolean }
  | { type: 'value'; prefix: string; from: number; metric: string | null; label: string }
  | { type: 'duration'; prefix: string; from: number }
  | { type: 'none' };

export const FUNCTIONS = [
  'abs',
  'absent',
  'absent_over_time',
  'acos',
  'acosh',
  'asin',
  'asinh',
  'atan',
  'atanh',
  'avg_over_time',
  'ceil',
  'changes',
  'clamp',
  'clamp_max',
  'clamp_min',
  'cos',
  'cosh',
  'count_over_time',
  'day_of_month',
  'day_of_week',
  'day_of_year',
  'days_in_month',
  'deg',
  'delta',
  'deriv',
  'exp',
  'floor',
  'histogram_quantile',
  'hour',
  'idelta',
  'increase',
  'irate',
  'label_join',
  'label_replace',
  'last_over_time',
  'ln',
  'log10',
  'log2',
  'mad_over_time',
  'max_over_time',
  'min_over_time',
  'minute',
  'month',
  'pi',
  'predict_linear',
  'present_over_time',
  'quantile_over_time',
  'rad',
  'rate',
  'resets',
  'round',
  'scalar',
  'sgn',
  'sin',
  'sinh',
  'sort',
  'sort_by_label',
  'sort_by_label_desc',
  'sort_desc',
  'sqrt',
  'stddev_over_time',
  'stdvar_over_time',
  'sum_over_time',
  'tan',
  'tanh',
  'time',
  'timestamp',
  'vector',
  'year',
];
export const AGGREGATIONS = [
  'avg',
  'bottomk',
  'count',
  'count_values',
  'group',
  'limit_ratio',
  'limitk',
  'max',
  'min',
  'quantile',
  'stddev',
  'stdvar',
  'sum',
  'topk',
];
export const KEYWORDS = [
  'and',
  'bool',
  'by',
  'group_left',
  'group_right',
  'ignoring',
  'offset',
  'on',
  'or',
  'unless',
  'without',
];
const DURATIONS = ['1m', '5m', '10m', '15m', '30m', '1h', '3h', '6h', '12h', '1d', '7d'];

const IDENT = /[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** Index of the `{` enclosing position `end`, or -1 (strings are skipped). */
function openBrace(text: string, end: number): number {
  let depth = -1;
  let quote: string | null = null;
  for (let i = 0; i < end; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '{') depth = i;
    else if (c === '}') depth = -1;
  }
  return depth;
}

/** Whether position `end` is inside a string literal, and where that string starts. */
function openString(text: string, end: number): number {
  let quote: string | null = null;
  let start = -1;
  for (let i = 0; i < end; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'" || c === '`') {
      quote = c;
      start = i;
    }
  }
  return quote ? start : -1;
}

/** What to complete at `cursor`. */
export function contextAt(text: string, cursor: number): CompletionContext {
  const before = text.slice(0, cursor);
  const brace = openBrace(text, cursor);
  const str = openString(text, cursor);
  const metricBefore = (at: number) => {
    const m = IDENT.exec(text.slice(0, at).trimEnd());
    return m && !FUNCTIONS.includes(m[0]) && !AGGREGATIONS.includes(m[0]) ? m[0] : null;
  };
  if (str >= 0) {
    if (brace < 0 || brace > str) return { type: 'none' };
    const m = /([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)\s*$/.exec(text.slice(brace + 1, str));
    if (!m) return { type: 'none' };
    return {
      type: 'value',
      prefix: before.slice(str + 1),
      from: str + 1,
      metric: metricBefore(brace),
      label: m[1],
    };
  }
  if (brace >= 0) {
    const inner = text.slice(brace + 1, cursor);
    const m = /(?:^|,)\s*([a-zA-Z_][a-zA-Z0-9_]*)?$/.exec(inner);
    if (!m) return { type: 'none' };
    const prefix = m[1] ?? '';
    const used = [...inner.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)].map((x) => x[1]);
    return {
      type: 'label',
      prefix,
      from: cursor - prefix.length,
      metric: metricBefore(brace),
      used,
      grouping: false,
    };
  }
  const g = /\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^()]*)$/.exec(before);
  if (g) {
    const m = /(?:^|,)\s*([a-zA-Z_][a-zA-Z0-9_]*)?$/.exec(g[1]);
    if (!m) return { type: 'none' };
    const prefix = m[1] ?? '';
    const used = g[1]
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    // The metric this grouping applies to, when one is named in the expression.
    const metric = /([a-zA-Z_:][a-zA-Z0-9_:]*)\s*[{[]/.exec(text)?.[1] ?? null;
    return { type: 'label', prefix, from: cursor - prefix.length, metric, used, grouping: true };
  }
  const d = /\[([0-9a-z]*)$/.exec(before);
  if (d && !/:/.test(d[1])) return { type: 'duration', prefix: d[1], from: cursor - d[1].length };
  const id = IDENT.exec(before);
  if (id) {
    // Not right after a number (e.g. the "m" of "5m") or inside a duration.
    const prev = before[cursor - id[0].length - 1];
    if (prev && /[0-9.]/.test(prev)) return { type: 'none' };
    return { type: 'name', prefix: id[0], from: cursor - id[0].length };
  }
  return { type: 'none' };
}

function rank(items: Suggestion[], prefix: string, limit = 60): Suggestion[] {
  if (!prefix) return items.slice(0, limit);
  const p = prefix.toLowerCase();
  const starts = items.filter((s) => s.label.toLowerCase().startsWith(p));
  const contains = items.filter(
    (s) => !s.label.toLowerCase().startsWith(p) && s.label.toLowerCase().includes(p),
  );
  return [...starts, ...contains].filter((s) => s.label !== prefix).slice(0, limit);
}

/** Suggestions for a name position: metrics, then functions, aggregations and keywords. */
export function nameSuggestions(prefix: string, metrics: string[], metadata: Metadata = {}): Suggestion[] {
  return rank(
    [
      ...metrics.map((m) => ({
        label: m,
        insert: m,
        kind: 'metric' as const,
        type: metadata[m]?.[0]?.type,
        help: metadata[m]?.[0]?.help || undefined,
      })),
      ...AGGREGATIONS.map((f) => ({ label: f, insert: `${f}(`, kind: 'aggregation' as const })),
      ...FUNCTIONS.map((f) => ({ label: f, insert: `${f}(`, kind: 'function' as const })),
      ...KEYWORDS.map((k) => ({ label: k, insert: `${k} `, kind: 'keyword' as const })),
    ],
    prefix,
  );
}

/** Label names (inside braces they insert `name="` and the value completion follows). */
export function labelSuggestions(
  prefix: string,
  names: string[],
  used: string[],
  grouping: boolean,
): Suggestion[] {
  return rank(
    names
      .filter((n) => n !== '__name__' && !used.includes(n))
      .map((n) => ({ label: n, insert: grouping ? n : `${n}="`, kind: 'label' as const })),
    prefix,
  );
}

/** Label values; `closing` tells whether a `"` already follows the cursor. */
export function valueSuggestions(prefix: string, values: string[], closing: boolean): Suggestion[] {
  return rank(
    values.map((v) => {
      const escaped = v.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
      return { label: v, insert: closing ? escaped : `${escaped}"`, kind: 'value' as const };
    }),
    prefix,
    100,
  );
}

export function durationSuggestions(prefix: string): Suggestion[] {
  return rank(
    DURATIONS.map((d) => ({ label: d, insert: `${d}]`, kind: 'duration' as const })),
    prefix,
  );
}
