/**
 * Runner for Prometheus' PromQL test scripts (promql/promqltest format: load/clear/eval with
 * expectations). Native-histogram data (`{{...}}`) is not stored; any eval case that touches a
 * series which had native-histogram samples is reported as skipped ("native histogram").
 */
import type { Labels, Matcher, Querier, SeriesSamples } from '../storage.ts';
import type { Expr } from './ast.ts';
import { almostEqual } from './histogram.ts';
import { formatLabels, keyOf, removeLabels, setLabel } from './labels-util.ts';
import { MemoryQuerier, matchLabel } from './memory-querier.ts';
import { parseExpr } from './parser.ts';
import {
  type EvalCase,
  type Expectation,
  type ExpectedSeries,
  expandValues,
  parseEval,
  parseTime,
  seriesLabels,
  splitSeriesLine,
} from './promqltest-script.ts';
import { instantQuery, rangeQuery } from './query.ts';
import type { QueryResult } from './values.ts';

/** A case the harness skips on purpose; `line` is the 1-based line of the eval command. */
export interface SkipEntry {
  file: string;
  line: number;
  reason: string;
}

export interface CaseResult {
  file: string;
  line: number;
  query: string;
  status: 'pass' | 'fail' | 'skip';
  detail?: string;
}

/** Storage under test: a Querier that scripts can load samples into (`clear` makes a new one). */
export interface ScriptBackend extends Querier {
  append(labels: Labels, t: number, v: number): void;
}

/** Test store: floats in a backend plus the label sets of native-histogram series. */
class ScriptStore implements Querier {
  native: Labels[] = [];
  constructor(readonly floats: ScriptBackend) {}
  touchedNative = false;
  select(matchers: Matcher[], mint: number, maxt: number): SeriesSamples[] {
    if (this.native.some((l) => matchers.every((m) => matchLabel(m, l)))) this.touchedNative = true;
    return this.floats.select(matchers, mint, maxt);
  }
  labelNames(m: Matcher[], a: number, b: number): string[] {
    return this.floats.labelNames(m, a, b);
  }
  labelValues(n: string, m: Matcher[], a: number, b: number): string[] {
    return this.floats.labelValues(n, m, a, b);
  }
}

const EPSILON = 0.000001;

function fmtVal(v: number | undefined): string {
  return v === undefined ? '_' : String(v);
}

function checkAnnotations(exps: Expectation[], res: QueryResult): string | undefined {
  for (const kind of ['warn', 'info'] as const) {
    const got = kind === 'warn' ? res.warnings : res.infos;
    const wants = exps.filter((e) => e.kind === kind);
    const matches = (e: Expectation, a: string) =>
      e.msg !== undefined ? a === e.msg : e.regex ? e.regex.test(a) : true;
    for (const w of wants) {
      if (!got.some((a) => matches(w, a)))
        return `expected ${kind} annotation ${w.msg ?? w.regex ?? ''} but got [${got.join('; ')}]`;
    }
    if (wants.length) {
      for (const a of got)
        if (!wants.some((w) => matches(w, a))) return `unexpected ${kind} annotation: ${a}`;
    }
    if (exps.some((e) => e.kind === `no_${kind}`) && got.length)
      return `unexpected ${kind} annotations: ${got.join('; ')}`;
  }
  return undefined;
}

/** Compares a query result with expected series; returns a failure description or undefined. */
function compare(
  res: QueryResult,
  expected: ExpectedSeries[],
  ordered: boolean,
  range: { start: number; step: number } | undefined,
): string | undefined {
  if (res.resultType === 'scalar') {
    if (expected.length !== 1 || !expected[0].scalar)
      return `expected series but got scalar ${res.result[1]}`;
    const want = expected[0].values[0]!;
    return almostEqual(want, res.result[1], EPSILON)
      ? undefined
      : `expected scalar ${want}, got ${res.result[1]}`;
  }
  if (res.resultType === 'string') return 'string results are not compared';
  const exp = new Map<string, { e: ExpectedSeries; idx: number }>();
  expected.forEach((e, idx) => {
    exp.set(keyOf(e.labels), { e, idx });
  });
  if (expected.some((e) => e.scalar)) return `expected scalar but got ${res.resultType}`;
  if (res.result.length !== expected.length)
    return `expected ${expected.length} series, got ${res.result.length}: ${res.result.map((s) => formatLabels(s.metric)).join(' ')}`;
  for (let i = 0; i < res.result.length; i++) {
    const s = res.result[i];
    const hit = exp.get(keyOf(s.metric));
    if (!hit) return `unexpected series ${formatLabels(s.metric)}`;
    if (ordered && hit.idx !== i)
      return `expected ${formatLabels(s.metric)} at position ${hit.idx}, got ${i}`;
    if ('value' in s) {
      if (!almostEqual(hit.e.values[0]!, s.value[1], EPSILON))
        return `${formatLabels(s.metric)}: expected ${hit.e.values[0]}, got ${s.value[1]}`;
      continue;
    }
    const want: [number | undefined, number][] = [];
    hit.e.values.forEach((v, k) => {
      if (v !== undefined) want.push([range ? range.start + k * range.step : Number.NaN, v]);
    });
    const got = s.values;
    const desc = () =>
      `${formatLabels(s.metric)}: expected [${hit.e.values.map(fmtVal).join(' ')}], got [${got.map((p) => `${p[1]}@${p[0]}`).join(' ')}]`;
    if (want.length !== got.length) return desc();
    for (let k = 0; k < want.length; k++) {
      if (range && Math.round(got[k][0] * 1000) !== want[k][0]) return desc();
      if (!almostEqual(want[k][1], got[k][1], EPSILON)) return desc();
    }
  }
  return undefined;
}

/** Functions whose result depends on the evaluation time even with step-invariant arguments. */
const AT_UNSAFE = new Set([
  'days_in_month',
  'day_of_month',
  'day_of_week',
  'day_of_year',
  'hour',
  'minute',
  'month',
  'year',
  'predict_linear',
  'time',
  'timestamp',
]);

/**
 * Like Prometheus' runner: the same query with `@ <evalTime>` on every selector and subquery
 * (not inside subqueries that got one) must give the same result at other evaluation times.
 */
function atModifierVariants(ast: Expr, t: number): { ast: Expr; time: number }[] {
  const clone = structuredClone(ast);
  let unsafe = false;
  const visit = (e: Expr, underAt: boolean): void => {
    switch (e.type) {
      case 'VectorSelector':
        if (!underAt && e.at === undefined) e.at = t;
        return;
      case 'MatrixSelector':
        if (!underAt && e.selector.at === undefined) e.selector.at = t;
        return;
      case 'SubqueryExpr':
        if (!underAt && e.at === undefined) e.at = t;
        visit(e.expr, true);
        return;
      case 'Call':
        if (AT_UNSAFE.has(e.func)) unsafe = true;
        for (const a of e.args) visit(a, underAt);
        return;
      case 'AggregateExpr':
        if (e.param) visit(e.param, underAt);
        visit(e.expr, underAt);
        return;
      case 'BinaryExpr':
        visit(e.lhs, underAt);
        visit(e.rhs, underAt);
        return;
      case 'UnaryExpr':
      case 'ParenExpr':
        visit(e.expr, underAt);
        return;
      default:
        return;
    }
  };
  visit(clone, false);
  if (unsafe) return [];
  const times = t === 0 ? [-1000, 0, 1000] : [-10 * t, 0, Math.trunc(t / 5), t, 10 * t];
  return times.map((time) => ({ ast: clone, time }));
}

function isQueryError(e: unknown): e is Error {
  return e instanceof Error && (e.name === 'PromQLParseError' || e.name === 'PromQLEvalError');
}

/** One instant evaluation: result, annotations and the same query in range mode. */
function checkInstant(
  store: ScriptStore,
  c: EvalCase,
  ast: Expr,
  time: number,
  ordered: boolean,
): string | undefined {
  let res: QueryResult;
  try {
    res = instantQuery(store, ast, time);
  } catch (e) {
    if (!isQueryError(e)) throw e;
    return `unexpected error: ${e.message}`;
  }
  const bad = checkAnnotations(c.expects, res) ?? compare(res, c.expected, ordered, undefined);
  if (bad) return bad;
  if (ordered || (res.resultType !== 'vector' && res.resultType !== 'scalar')) return undefined;
  const rr = rangeQuery(store, ast, time - 60_000, time + 60_000, 60_000);
  if (rr.resultType !== 'matrix') return 'range mode did not return a matrix';
  const t = time / 1000;
  const vector = rr.result.flatMap((s) =>
    s.values.filter((p) => p[0] === t).map((p) => ({ metric: s.metric, value: p })),
  );
  const asInstant: QueryResult =
    res.resultType === 'scalar'
      ? { resultType: 'scalar', result: vector[0]?.value ?? [t, Number.NaN], warnings: [], infos: [] }
      : { resultType: 'vector', result: vector, warnings: [], infos: [] };
  const badRange = compare(asInstant, c.expected, false, undefined);
  return badRange ? `range mode: ${badRange}` : undefined;
}

function runEval(store: ScriptStore, c: EvalCase): { ok: boolean; detail?: string } {
  store.touchedNative = false;
  const failExp = c.expects.filter((e) => e.kind === 'fail');
  const ordered = c.expects.some((e) => e.kind === 'ordered');
  let ast: Expr | undefined;
  let err: Error | undefined;
  let res: QueryResult | undefined;
  try {
    ast = parseExpr(c.query);
    if (failExp.length || !c.instant) {
      res = c.instant ? instantQuery(store, ast, c.time) : rangeQuery(store, ast, c.time, c.end, c.step);
    }
  } catch (e) {
    if (!isQueryError(e)) throw e;
    err = e;
  }
  if (failExp.length) {
    if (!err) return { ok: false, detail: 'expected the query to fail, but it succeeded' };
    for (const f of failExp) {
      if (f.msg !== undefined && err.message !== f.msg)
        return { ok: false, detail: `expected error "${f.msg}", got "${err.message}"` };
      if (f.regex && !f.regex.test(err.message))
        return { ok: false, detail: `expected error matching ${f.regex}, got "${err.message}"` };
    }
    return { ok: true };
  }
  if (err) return { ok: false, detail: `unexpected error: ${err.message}` };
  if (!c.instant) {
    const bad =
      checkAnnotations(c.expects, res!) ??
      compare(res!, c.expected, ordered, { start: c.time, step: c.step });
    return bad ? { ok: false, detail: bad } : { ok: true };
  }
  const bad = checkInstant(store, c, ast!, c.time, ordered);
  if (bad) return { ok: false, detail: bad };
  for (const v of atModifierVariants(ast!, c.time)) {
    const badAt = checkInstant(store, c, v.ast, v.time, ordered);
    if (badAt)
      return { ok: false, detail: `with @ ${c.time / 1000} evaluated at ${v.time / 1000}s: ${badAt}` };
  }
  return { ok: true };
}

function load(store: ScriptStore, header: string, body: string[], line: number): void {
  const m = /^load(_with_nhcb)?\s+(\S+)$/.exec(header);
  if (!m) throw new Error(`line ${line}: bad load command`);
  const interval = parseTime(m[2]);
  for (const b of body) {
    const [desc, rest] = splitSeriesLine(b);
    const labels = seriesLabels(desc);
    const values = expandValues(rest);
    let native = false;
    values.forEach((v, k) => {
      if (v === 'h') native = true;
      else if (v !== undefined) store.floats.append(labels, k * interval, v);
    });
    if (native) store.native.push(labels);
    if (m[1]) {
      // The converted native histogram series drops the suffix and the `le` label.
      const name = labels.find((l) => l.name === '__name__')?.value ?? '';
      const base = name.replace(/_(bucket|sum|count)$/, '');
      if (base !== name) store.native.push(setLabel(removeLabels(labels, ['le']), '__name__', base));
    }
  }
}

/**
 * Runs one script; cases listed in `skips` (by file and eval line) are reported as skipped.
 * `backend` creates the storage (default MemoryQuerier), so a TSDB can be tested the same way.
 */
export function runScript(
  file: string,
  text: string,
  skips: SkipEntry[],
  backend: () => ScriptBackend = () => new MemoryQuerier(),
): CaseResult[] {
  const lines = text.split('\n').map((l) => {
    const t = l.trim();
    return t.startsWith('#') ? '' : t;
  });
  let store = new ScriptStore(backend());
  const results: CaseResult[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (!l) continue;
    if (l === 'clear') {
      store = new ScriptStore(backend());
      continue;
    }
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && lines[j] !== '') body.push(lines[j++]);
    const lineNo = i + 1;
    i = j - 1;
    if (l.startsWith('load')) {
      load(store, l, body, lineNo);
      continue;
    }
    if (!l.startsWith('eval')) throw new Error(`${file}:${lineNo}: unknown command: ${l}`);
    const c = parseEval(l, body, lineNo);
    const skip = skips.find((s) => s.file === file && s.line === lineNo);
    const r = runEval(store, c);
    const base = { file, line: lineNo, query: c.query };
    if (store.touchedNative || c.nativeExpected)
      results.push({ ...base, status: 'skip', detail: 'native histogram' });
    else if (skip && r.ok)
      results.push({
        ...base,
        status: 'fail',
        detail: `passes but is in the skip list (${skip.reason}): remove the entry`,
      });
    else if (skip) results.push({ ...base, status: 'skip', detail: skip.reason });
    else results.push({ ...base, status: r.ok ? 'pass' : 'fail', detail: r.detail });
  }
  return results;
}
