/** Aggregation operators (sum, avg, topk, quantile, count_values, limitk, ...) for one step. */
import type { Labels } from '../storage.ts';
import type { AggregateExpr } from './ast.ts';
import { PromQLEvalError } from './errors.ts';
import { isWellFormed, keepLabels, removeLabels, setLabel, signatureFn } from './labels-util.ts';
import { goQuote } from './lexer.ts';
import { fmtG, MeanAcc, quantile } from './range-functions.ts';
import { type AnnotationSink, kahanComp, type Sample } from './types.ts';
import { formatPromValue } from './values.ts';
import { labelsHash } from './xxhash.ts';

interface Group {
  labels: Labels;
  count: number;
  value: number;
  c: number;
  mean: number;
  values: number[];
  acc?: MeanAcc;
}

/** Cached grouping info per aggregation node: signature and output labels per input label set. */
interface Grouper {
  sig: (l: Labels) => string;
  cache: WeakMap<Labels, { key: string; labels: Labels }>;
}
const groupers = new WeakMap<AggregateExpr, Grouper>();

function grouperFor(node: AggregateExpr): Grouper {
  let g = groupers.get(node);
  if (!g) {
    g = { sig: signatureFn(!node.without, node.grouping), cache: new WeakMap() };
    groupers.set(node, g);
  }
  return g;
}

function groupOf(node: AggregateExpr, g: Grouper, metric: Labels): { key: string; labels: Labels } {
  let e = g.cache.get(metric);
  if (!e) {
    const labels = node.without
      ? removeLabels(metric, [...node.grouping, '__name__'])
      : keepLabels(metric, node.grouping);
    e = { key: g.sig(metric), labels };
    g.cache.set(metric, e);
  }
  return e;
}

/** float64(math.MaxUint64) as Go computes it. */
const MAX_UINT64 = 2 ** 64;
const LABEL_NAME = /^[^\0]+$/u;

/** Evaluates one aggregation over the samples of one step. */
export function aggregate(
  node: AggregateExpr,
  samples: Sample[],
  param: number | string | undefined,
  notes: AnnotationSink,
): Sample[] {
  const op = node.op;
  const g = grouperFor(node);
  if (op === 'count_values') return countValues(node, samples, String(param));
  if (op === 'topk' || op === 'bottomk' || op === 'limitk') {
    const p = param as number;
    if (Number.isNaN(p)) throw new PromQLEvalError(`Parameter value is NaN for ${op}`);
    const k = p >= 9.2e18 ? Number.MAX_SAFE_INTEGER : Math.trunc(p);
    if (k < 1) return [];
    return selectK(node, g, samples, k);
  }
  if (op === 'limit_ratio') return limitRatio(node, g, samples, param as number, notes);
  if (op === 'quantile') {
    const q = param as number;
    if (Number.isNaN(q) || q < 0 || q > 1)
      notes.warn(`PromQL warning: quantile value should be between 0 and 1, got ${fmtG(q)}`);
  }
  const groups = new Map<string, Group>();
  const order: Group[] = [];
  for (const s of samples) {
    const ge = groupOf(node, g, s.metric);
    let grp = groups.get(ge.key);
    const f = s.v;
    if (!grp) {
      grp = { labels: ge.labels, count: 1, value: f, c: 0, mean: f, values: [] };
      if (op === 'stddev' || op === 'stdvar') grp.value = Number.isFinite(f) ? 0 : Number.NaN;
      if (op === 'quantile') grp.values.push(f);
      if (op === 'avg') {
        grp.acc = new MeanAcc();
        grp.acc.add(f);
      }
      groups.set(ge.key, grp);
      order.push(grp);
      continue;
    }
    grp.count++;
    switch (op) {
      case 'sum':
        grp.c = kahanComp(f, grp.value, grp.c);
        grp.value += f;
        break;
      case 'avg':
        grp.acc!.add(f);
        break;
      case 'quantile':
        grp.values.push(f);
        break;
      case 'max':
        if (grp.value < f || Number.isNaN(grp.value)) grp.value = f;
        break;
      case 'min':
        if (grp.value > f || Number.isNaN(grp.value)) grp.value = f;
        break;
      case 'stddev':
      case 'stdvar': {
        const delta = f - grp.mean;
        grp.mean += delta / grp.count;
        grp.value += delta * (f - grp.mean);
        break;
      }
    }
  }
  const out: Sample[] = new Array(order.length);
  for (let i = 0; i < order.length; i++) {
    const grp = order[i];
    let v: number;
    switch (op) {
      case 'sum':
        v = Number.isFinite(grp.value) ? grp.value + grp.c : grp.value;
        break;
      case 'avg':
        v = grp.acc!.value();
        break;
      case 'count':
        v = grp.count;
        break;
      case 'group':
        v = 1;
        break;
      case 'stdvar':
        v = grp.value / grp.count;
        break;
      case 'stddev':
        v = Math.sqrt(grp.value / grp.count);
        break;
      case 'quantile':
        v = quantile(param as number, grp.values);
        break;
      default:
        v = grp.value;
    }
    out[i] = { metric: grp.labels, v };
  }
  return out;
}

/** NaN-last comparator: descending for topk, ascending otherwise. */
function byValue(desc: boolean) {
  return (a: Sample, b: Sample) => {
    const an = Number.isNaN(a.v);
    const bn = Number.isNaN(b.v);
    if (an || bn) return an === bn ? 0 : an ? 1 : -1;
    return desc ? b.v - a.v : a.v - b.v;
  };
}

function selectK(node: AggregateExpr, g: Grouper, samples: Sample[], k: number): Sample[] {
  const groups = new Map<string, Sample[]>();
  for (const s of samples) {
    const key = groupOf(node, g, s.metric).key;
    let list = groups.get(key);
    if (!list) groups.set(key, (list = []));
    if (node.op === 'limitk' && list.length >= k) continue;
    list.push(s);
  }
  const out: Sample[] = [];
  for (const list of groups.values()) {
    if (node.op !== 'limitk') list.sort(byValue(node.op === 'topk'));
    for (let i = 0; i < list.length && i < k; i++) out.push(list[i]);
  }
  return out;
}

function limitRatio(
  node: AggregateExpr,
  _g: Grouper,
  samples: Sample[],
  r: number,
  notes: AnnotationSink,
): Sample[] {
  if (Number.isNaN(r)) throw new PromQLEvalError('Ratio value is NaN');
  if (r < -1 || r > 1) {
    const capped = r < -1 ? -1 : 1;
    notes.warn(
      `PromQL warning: ratio value should be between -1 and 1, got ${fmtG(r)}, capping to ${capped}`,
    );
    r = capped;
  }
  void node;
  const out: Sample[] = [];
  for (const s of samples) {
    const offset = labelsHash(s.metric) / MAX_UINT64;
    if ((r >= 0 && offset < r) || (r < 0 && offset >= 1 + r)) out.push(s);
  }
  return out;
}

function countValues(node: AggregateExpr, samples: Sample[], label: string): Sample[] {
  if (!LABEL_NAME.test(label) || !isWellFormed(label))
    throw new PromQLEvalError(`invalid label name ${goQuote(label)}`);
  const groups = new Map<string, Sample>();
  const sig = signatureFn(!node.without, node.grouping);
  for (const s of samples) {
    const vs = formatPromValue(s.v);
    const key = `${sig(s.metric)}\xfd${vs}`;
    const grp = groups.get(key);
    if (grp) {
      grp.v++;
      continue;
    }
    let labels = node.without
      ? removeLabels(s.metric, [...node.grouping, '__name__'])
      : keepLabels(s.metric, node.grouping);
    labels = setLabel(labels, label, vs);
    groups.set(key, { metric: labels, v: 1 });
  }
  return [...groups.values()];
}
