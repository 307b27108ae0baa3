/**
 * The PromQL evaluator. Every selector is fetched once per query over the whole time range it
 * needs (preload); the expression is then evaluated step by step on those in-memory samples.
 */
import type { Labels, Querier } from '../storage.ts';
import { isStaleNaN } from '../storage.ts';
import { aggregate } from './aggregate.ts';
import type {
  AggregateExpr,
  AtModifier,
  Call,
  Expr,
  MatrixSelector,
  SubqueryExpr,
  VectorSelector,
} from './ast.ts';
import { isSetOp, unwrapParens } from './ast.ts';
import { checkDuplicates, scalarBinop, setBinop, vectorBinop, vectorScalarBinop } from './binary.ts';
import { absentLabels, checkNames, isCounterName, nonCounterInfo } from './engine-helpers.ts';
import { PromQLEvalError } from './errors.ts';
import { INSTANT_FUNCTIONS } from './functions.ts';
import { dropName, getLabel, keyOf } from './labels-util.ts';
import { KEEPS_NAME, RANGE_FUNCTIONS, type RangeFn } from './range-functions.ts';
import { advance, copyWindow, Scratch, type Selection, toSelection } from './selection.ts';
import type { AnnotationSink, RangeSeries, Sample, Value, WindowCtx } from './types.ts';

/** Per-query options. */
export interface QueryOptions {
  /** How far back an instant selector looks for a sample (default 5m). */
  lookbackDeltaMs?: number;
  /** Maximum samples loaded/produced by one query (default 50M). */
  maxSamples?: number;
  /** Step of subqueries written without one, e.g. `x[5m:]` (default 1m). */
  noStepSubqueryIntervalMs?: number;
  /**
   * Polled between evaluation steps (and subquery steps); return true to abort the query with a
   * 'timeout' PromQLEvalError. The caller owns the clock (e.g. compares a Clock to a deadline).
   */
  shouldAbort?: () => boolean;
}

type WindowCb = (
  metric: Labels,
  ts: ArrayLike<number>,
  vs: ArrayLike<number>,
  n: number,
  w: WindowCtx,
) => void;

/** Evaluates one query; holds the preloaded selector data and annotations. */
export class Evaluator implements AnnotationSink {
  readonly warnings = new Set<string>();
  readonly infos = new Set<string>();
  private readonly lookback: number;
  private readonly maxSamples: number;
  private readonly subStep: number;
  private readonly ranges = new Map<VectorSelector, [number, number]>();
  private readonly selected = new Map<VectorSelector, Selection>();
  private readonly subCache = new Map<SubqueryExpr, Map<number, Sample[]>>();
  private loaded = 0;
  private readonly shouldAbort?: () => boolean;
  private readonly scratch = new Scratch();

  constructor(
    private readonly q: Querier,
    readonly start: number,
    readonly end: number,
    opts: QueryOptions = {},
  ) {
    this.lookback = opts.lookbackDeltaMs ?? 300_000;
    this.maxSamples = opts.maxSamples ?? 50_000_000;
    this.subStep = opts.noStepSubqueryIntervalMs ?? 60_000;
    this.shouldAbort = opts.shouldAbort;
  }

  /** Throws when the caller asked to abort (deadline passed, client gone). */
  checkAbort(): void {
    if (this.shouldAbort?.())
      throw new PromQLEvalError('query timed out in expression evaluation', 'timeout');
  }

  warn(msg: string): void {
    this.warnings.add(msg);
  }
  info(msg: string): void {
    this.infos.add(msg);
  }

  /** Counts samples against the per-query limit. */
  addSamples(n: number): void {
    this.loaded += n;
    if (this.loaded > this.maxSamples)
      throw new PromQLEvalError(
        'query processing would load too many samples into memory in query execution',
        'limit',
      );
  }

  private atTime(at: AtModifier | undefined): number | undefined {
    return at === 'start' ? this.start : at === 'end' ? this.end : at;
  }

  /** Fetches all selectors of the expression, each once, over the range it needs. */
  preload(e: Expr): void {
    this.collect(e, this.start, this.end);
    for (const [node, [mint, maxt]] of this.ranges) {
      const series = this.q.select(node.matchers, mint, maxt);
      let n = 0;
      for (const s of series) n += s.timestamps.length;
      this.addSamples(n);
      this.selected.set(node, toSelection(series));
    }
  }

  private collect(e: Expr, start: number, end: number): void {
    switch (e.type) {
      case 'VectorSelector':
      case 'MatrixSelector': {
        const sel = e.type === 'MatrixSelector' ? e.selector : e;
        const back = e.type === 'MatrixSelector' ? e.rangeMs : this.lookback;
        const at = this.atTime(sel.at);
        const s = (at ?? start) - sel.offsetMs - back;
        const t = (at ?? end) - sel.offsetMs;
        const r = this.ranges.get(sel);
        this.ranges.set(sel, r ? [Math.min(r[0], s), Math.max(r[1], t)] : [s, t]);
        return;
      }
      case 'SubqueryExpr': {
        const at = this.atTime(e.at);
        this.collect(e.expr, (at ?? start) - e.offsetMs - e.rangeMs, (at ?? end) - e.offsetMs);
        return;
      }
      case 'Call':
        for (const a of e.args) this.collect(a, start, end);
        return;
      case 'AggregateExpr':
        if (e.param) this.collect(e.param, start, end);
        this.collect(e.expr, start, end);
        return;
      case 'BinaryExpr':
        this.collect(e.lhs, start, end);
        this.collect(e.rhs, start, end);
        return;
      case 'UnaryExpr':
      case 'ParenExpr':
        this.collect(e.expr, start, end);
        return;
      default:
        return;
    }
  }

  /** Evaluates an expression at one step timestamp. */
  eval(e: Expr, ts: number): Value {
    switch (e.type) {
      case 'NumberLiteral':
        return { type: 'scalar', v: e.value };
      case 'StringLiteral':
        return { type: 'string', s: e.value };
      case 'ParenExpr':
        return this.eval(e.expr, ts);
      case 'UnaryExpr': {
        const v = this.eval(e.expr, ts);
        if (e.op === '+') return v;
        if (v.type === 'scalar') return { type: 'scalar', v: -v.v };
        if (v.type !== 'vector') throw new PromQLEvalError('unary minus on non-numeric value');
        const out = v.samples.map((s) => ({ metric: dropName(s.metric), v: -s.v }));
        checkNames(v.samples, out);
        return { type: 'vector', samples: out };
      }
      case 'VectorSelector':
        return { type: 'vector', samples: this.selectInstant(e, ts) };
      case 'MatrixSelector':
      case 'SubqueryExpr':
        return { type: 'matrix', series: this.matrixValue(e, ts) };
      case 'Call':
        return this.evalCall(e, ts);
      case 'AggregateExpr':
        return this.evalAggregate(e, ts);
      case 'BinaryExpr': {
        const l = this.eval(e.lhs, ts);
        const r = this.eval(e.rhs, ts);
        if (l.type === 'scalar' && r.type === 'scalar')
          return { type: 'scalar', v: scalarBinop(e.op, l.v, r.v) };
        let out: Sample[];
        if (l.type === 'vector' && r.type === 'scalar') out = vectorScalarBinop(e, l.samples, r.v, false);
        else if (l.type === 'scalar' && r.type === 'vector') out = vectorScalarBinop(e, r.samples, l.v, true);
        else if (l.type === 'vector' && r.type === 'vector') {
          if (isSetOp(e.op)) return { type: 'vector', samples: setBinop(e, l.samples, r.samples) };
          return { type: 'vector', samples: vectorBinop(e, l.samples, r.samples) };
        } else
          throw new PromQLEvalError('binary expression must contain only scalar and instant vector types');
        checkNames(l.type === 'vector' ? l.samples : (r as { samples: Sample[] }).samples, out);
        return { type: 'vector', samples: out };
      }
    }
  }

  /** Instant vector selection: latest non-stale sample in (t - lookback, t]. */
  selectInstant(node: VectorSelector, ts: number, withTime?: (s: Sample, t: number) => void): Sample[] {
    const refT = (this.atTime(node.at) ?? ts) - node.offsetMs;
    const minT = refT - this.lookback;
    const out: Sample[] = [];
    const sel = this.selected.get(node);
    if (!sel) return out;
    const mono = refT >= sel.lastEnd;
    sel.lastEnd = refT;
    for (let i = 0; i < sel.ts.length; i++) {
      const t = sel.ts[i];
      const next = advance(t, mono ? sel.hi[i] : 0, refT, mono);
      sel.hi[i] = next;
      const idx = next - 1;
      if (idx < 0 || t[idx] <= minT) continue;
      const v = sel.vs[i][idx];
      if (Number.isNaN(v) && isStaleNaN(v)) continue;
      const sample = { metric: sel.labels[i], v };
      out.push(sample);
      withTime?.(sample, t[idx]);
    }
    return out;
  }

  /** Calls cb for every series with at least one sample in the window of a range argument. */
  private forEachWindow(
    arg: MatrixSelector | SubqueryExpr,
    ts: number,
    cb: WindowCb,
    notes: AnnotationSink,
  ): void {
    const isSub = arg.type === 'SubqueryExpr';
    const sel = isSub ? undefined : arg.selector;
    const at = this.atTime(isSub ? arg.at : sel!.at);
    const offset = isSub ? arg.offsetMs : sel!.offsetMs;
    const rangeEnd = (at ?? ts) - offset;
    const rangeStart = rangeEnd - arg.rangeMs;
    const w: WindowCtx = { stepTs: ts, rangeStart, rangeEnd, rangeMs: arg.rangeMs, metric: [], notes };
    if (isSub) {
      for (const s of this.subqueryWindow(arg, rangeStart, rangeEnd)) {
        w.metric = s.metric;
        cb(s.metric, s.ts, s.vs, s.ts.length, w);
      }
      return;
    }
    const data = this.selected.get(sel!);
    if (!data) return;
    const monoStart = rangeStart >= data.lastStart;
    const monoEnd = rangeEnd >= data.lastEnd;
    data.lastStart = rangeStart;
    data.lastEnd = rangeEnd;
    for (let si = 0; si < data.ts.length; si++) {
      const n = copyWindow(data, si, rangeStart, rangeEnd, monoStart, monoEnd, this.scratch);
      if (n === 0) continue;
      const labels = data.labels[si];
      w.metric = labels;
      cb(labels, this.scratch.t, this.scratch.v, n, w);
    }
  }

  /** Applies a range function to every series of a matrix selector (the hot path of rate & co). */
  private applyToSelector(
    arg: MatrixSelector,
    ts: number,
    fn: RangeFn,
    params: number[],
    keep: boolean,
    counter: boolean,
  ): Sample[] {
    const sel = arg.selector;
    const out: Sample[] = [];
    const data = this.selected.get(sel);
    if (!data) return out;
    const rangeEnd = (this.atTime(sel.at) ?? ts) - sel.offsetMs;
    const rangeStart = rangeEnd - arg.rangeMs;
    const w: WindowCtx = { stepTs: ts, rangeStart, rangeEnd, rangeMs: arg.rangeMs, metric: [], notes: this };
    const monoStart = rangeStart >= data.lastStart;
    const monoEnd = rangeEnd >= data.lastEnd;
    data.lastStart = rangeStart;
    data.lastEnd = rangeEnd;
    if (!data.dropped) {
      data.dropped = data.labels.map(dropName);
      const first = data.labels.length ? getLabel(data.labels[0], '__name__') : '';
      data.mixedNames = data.labels.some((l) => getLabel(l, '__name__') !== first);
    }
    if (counter && !data.counterOk) {
      const ok = new Map<string, number>();
      data.counterOk = Uint8Array.from(data.labels, (l) => {
        const name = getLabel(l, '__name__');
        let v = ok.get(name);
        if (v === undefined) ok.set(name, (v = isCounterName(name) ? 1 : 0));
        return v;
      });
    }
    const dropped = data.dropped;
    const counterOk = data.counterOk;
    for (let si = 0; si < data.ts.length; si++) {
      const n = copyWindow(data, si, rangeStart, rangeEnd, monoStart, monoEnd, this.scratch);
      if (n === 0) continue;
      const labels = data.labels[si];
      if (counterOk && counterOk[si] === 0) this.info(nonCounterInfo(labels));
      w.metric = labels;
      const r = fn(this.scratch.t, this.scratch.v, n, w, params);
      if (r === undefined) continue;
      out.push({ metric: keep ? labels : dropped[si], v: r });
    }
    if (!keep && data.mixedNames) checkDuplicates(out);
    return out;
  }

  /** The series of a subquery within (rangeStart, rangeEnd], evaluated at aligned inner steps. */
  private subqueryWindow(node: SubqueryExpr, rangeStart: number, rangeEnd: number): RangeSeries[] {
    const step = node.stepMs || this.subStep;
    let cache = this.subCache.get(node);
    if (!cache) this.subCache.set(node, (cache = new Map()));
    const bySeries = new Map<string, { metric: Labels; ts: number[]; vs: number[] }>();
    for (let t = (Math.floor(rangeStart / step) + 1) * step; t <= rangeEnd; t += step) {
      let samples = cache.get(t);
      if (!samples) {
        this.checkAbort();
        const v = this.eval(node.expr, t);
        samples = v.type === 'vector' ? v.samples : v.type === 'scalar' ? [{ metric: [], v: v.v }] : [];
        this.addSamples(samples.length);
        cache.set(t, samples);
      }
      for (const s of samples) {
        const k = keyOf(s.metric);
        let e = bySeries.get(k);
        if (!e) bySeries.set(k, (e = { metric: s.metric, ts: [], vs: [] }));
        e.ts.push(t);
        e.vs.push(s.v);
      }
    }
    return [...bySeries.values()];
  }

  /** A range vector as a value (for instant queries returning a matrix). */
  private matrixValue(e: MatrixSelector | SubqueryExpr, ts: number): RangeSeries[] {
    const out: RangeSeries[] = [];
    this.forEachWindow(
      e,
      ts,
      (metric, t, v, n) => {
        out.push({
          metric,
          ts: Array.from({ length: n }, (_, i) => t[i]),
          vs: Array.from({ length: n }, (_, i) => v[i]),
        });
      },
      this,
    );
    return out;
  }

  private evalCall(node: Call, ts: number): Value {
    const name = node.func;
    switch (name) {
      case 'time':
        return { type: 'scalar', v: ts / 1000 };
      case 'pi':
        return { type: 'scalar', v: Math.PI };
      case 'scalar': {
        const v = this.eval(node.args[0], ts);
        const s = v.type === 'vector' ? v.samples : [];
        return { type: 'scalar', v: s.length === 1 ? s[0].v : Number.NaN };
      }
      case 'timestamp': {
        const arg = unwrapParens(node.args[0]);
        if (arg.type === 'VectorSelector') {
          const out: Sample[] = [];
          this.selectInstant(arg, ts, (s, t) => out.push({ metric: dropName(s.metric), v: t / 1000 }));
          checkDuplicates(out);
          return { type: 'vector', samples: out };
        }
        const v = this.eval(arg, ts);
        const samples = v.type === 'vector' ? v.samples : [];
        const out = samples.map((s) => ({ metric: dropName(s.metric), v: ts / 1000 }));
        checkNames(samples, out);
        return { type: 'vector', samples: out };
      }
      case 'absent': {
        const v = this.eval(node.args[0], ts);
        if (v.type === 'vector' && v.samples.length > 0) return { type: 'vector', samples: [] };
        return { type: 'vector', samples: [{ metric: absentLabels(node.args[0]), v: 1 }] };
      }
    }
    const rangeFn = RANGE_FUNCTIONS[name];
    if (rangeFn || name === 'absent_over_time') {
      const idx = node.args.findIndex((a) => {
        const u = unwrapParens(a);
        return u.type === 'MatrixSelector' || u.type === 'SubqueryExpr';
      });
      const params: number[] = [];
      node.args.forEach((a, i) => {
        if (i === idx) return;
        const v = this.eval(a, ts);
        params.push(v.type === 'scalar' ? v.v : Number.NaN);
      });
      const arg = unwrapParens(node.args[idx]) as MatrixSelector | SubqueryExpr;
      const out: Sample[] = [];
      if (name === 'absent_over_time') {
        let any = false;
        this.forEachWindow(arg, ts, () => (any = true), this);
        if (!any) out.push({ metric: absentLabels(arg), v: 1 });
        return { type: 'vector', samples: out };
      }
      const keep = KEEPS_NAME.has(name);
      const counter = name === 'rate' || name === 'increase';
      if (arg.type === 'MatrixSelector')
        return { type: 'vector', samples: this.applyToSelector(arg, ts, rangeFn, params, keep, counter) };
      let firstName: string | undefined;
      let mixed = false;
      this.forEachWindow(
        arg,
        ts,
        (metric, t, v, n, w) => {
          if (counter && !isCounterName(getLabel(metric, '__name__'))) this.info(nonCounterInfo(metric));
          const r = rangeFn(t, v, n, w, params);
          if (r === undefined) return;
          if (!keep) {
            const nm = getLabel(metric, '__name__');
            if (firstName === undefined) firstName = nm;
            else if (nm !== firstName) mixed = true;
          }
          out.push({ metric: keep ? metric : dropName(metric), v: r });
        },
        this,
      );
      if (mixed) checkDuplicates(out);
      return { type: 'vector', samples: out };
    }
    const fn = INSTANT_FUNCTIONS[name];
    if (!fn) throw new PromQLEvalError(`function "${name}" is not supported`);
    const args = node.args.map((a) => this.eval(a, ts));
    const out = fn(args, { ts, notes: this });
    if (name === 'label_replace' || name === 'label_join' || name.startsWith('histogram_'))
      checkDuplicates(out);
    else if (args[0]?.type === 'vector') checkNames(args[0].samples, out);
    return { type: 'vector', samples: out };
  }

  private evalAggregate(node: AggregateExpr, ts: number): Value {
    let param: number | string | undefined;
    if (node.param) {
      const p = this.eval(node.param, ts);
      param = p.type === 'scalar' ? p.v : p.type === 'string' ? p.s : undefined;
    }
    const v = this.eval(node.expr, ts);
    const samples = v.type === 'vector' ? v.samples : [];
    return { type: 'vector', samples: aggregate(node, samples, param, this) };
  }
}
