/** A uPlot chart of a PromQL expression over a time range, via /api/v1/query_range. */
import { useEffect, useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { ApiError, api, withQuery } from '../../api.ts';
import { ErrorBanner, Loading } from '../../ui/components.tsx';

interface Matrix {
  status: string;
  data: {
    resultType: string;
    result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }>;
  };
}

/** Colours readable on both the light and the dark surface. */
const PALETTE = ['#3b82f6', '#e4572e', '#17a673', '#b15dd6', '#d49a00', '#0aa2c0', '#d6457a', '#7c8b2c'];
const MAX_SERIES = 12;

/** Splits `data > 0.9` into the data side and the threshold, when the right side is a number. */
export function splitThreshold(expr: string): { data: string; op: string; threshold: number } | null {
  const m = /^(.*?)\s*(>=|<=|==|!=|>|<)\s*(?:bool\s+)?(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*$/is.exec(
    expr.trim(),
  );
  if (!m) return null;
  // Only a top-level comparison: the left side must have balanced brackets.
  let depth = 0;
  for (const c of m[1]) {
    if (c === '(' || c === '{' || c === '[') depth++;
    if (c === ')' || c === '}' || c === ']') depth--;
    if (depth < 0) return null;
  }
  return depth === 0 ? { data: m[1], op: m[2], threshold: Number(m[3]) } : null;
}

function seriesName(metric: Record<string, string>): string {
  const { __name__, ...rest } = metric;
  const inner = Object.entries(rest)
    .map(([k, v]) => `${k}="${v}"`)
    .join(', ');
  return `${__name__ ?? ''}{${inner}}`;
}

const RANGES: Array<{ label: string; ms: number }> = [
  { label: '1h', ms: 3_600_000 },
  { label: '3h', ms: 3 * 3_600_000 },
  { label: '12h', ms: 12 * 3_600_000 },
  { label: '24h', ms: 24 * 3_600_000 },
];

export function ExprChart({ expr, title }: { expr: string; title: string }) {
  const [range, setRange] = useState(RANGES[1]);
  const split = useMemo(() => splitThreshold(expr), [expr]);
  const query = split?.data ?? expr;
  const [result, setResult] = useState<Matrix | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: tick reloads
  useEffect(() => {
    let live = true;
    const end = Math.floor(Date.now() / 1000);
    const start = end - range.ms / 1000;
    const step = Math.max(15, Math.round(range.ms / 1000 / 240));
    setResult(null);
    api<Matrix>('GET', withQuery('/api/v1/query_range', { query, start, end, step }))
      .then((r) => {
        if (live) {
          setResult(r);
          setError(null);
        }
      })
      .catch((e) => live && setError(e));
    return () => {
      live = false;
    };
  }, [query, range, tick]);

  return (
    <div className="al-chart-block">
      <div className="al-chart-tools">
        <fieldset className="al-seg">
          <legend className="sr-only">Time range</legend>
          {RANGES.map((r) => (
            <button
              key={r.label}
              type="button"
              className={`btn btn-small${r === range ? ' al-seg-on' : ''}`}
              aria-pressed={r === range}
              onClick={() => setRange(r)}
            >
              {r.label}
            </button>
          ))}
        </fieldset>
        <button type="button" className="btn btn-small" onClick={() => setTick((n) => n + 1)}>
          Refresh
        </button>
      </div>
      {split ? (
        <p className="muted al-chart-note">
          Plotting <code>{split.data}</code> with the threshold {split.op} {split.threshold} as a dashed line.
        </p>
      ) : null}
      {error ? (
        <ErrorBanner
          error={error instanceof ApiError ? new Error(`The query failed: ${error.message}`) : error}
        />
      ) : !result ? (
        <Loading what="Querying" />
      ) : (
        <Plot result={result} threshold={split?.threshold} title={title} />
      )}
    </div>
  );
}

function Plot({ result, threshold, title }: { result: Matrix; threshold?: number; title: string }) {
  const box = useRef<HTMLDivElement>(null);
  const series = result.data.result.slice(0, MAX_SERIES);
  const { data, names } = useMemo(() => {
    const ts = new Set<number>();
    for (const s of series) for (const [t] of s.values) ts.add(t);
    const xs = [...ts].sort((a, b) => a - b);
    const idx = new Map(xs.map((t, i) => [t, i]));
    const ys = series.map((s) => {
      const arr: Array<number | null> = new Array(xs.length).fill(null);
      for (const [t, v] of s.values) arr[idx.get(t) as number] = Number(v);
      return arr;
    });
    if (threshold !== undefined) ys.push(xs.map(() => threshold));
    return { data: [xs, ...ys] as uPlot.AlignedData, names: series.map((s) => seriesName(s.metric)) };
  }, [series, threshold]);

  useEffect(() => {
    const el = box.current;
    if (!el || data[0].length === 0) return;
    const css = getComputedStyle(document.documentElement);
    const text = css.getPropertyValue('--muted').trim() || '#555';
    const grid = css.getPropertyValue('--border').trim() || '#ddd';
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const opts: uPlot.Options = {
      width: Math.max(280, el.clientWidth),
      height: 240,
      legend: { show: true },
      scales: { x: { time: true } },
      axes: [axis, axis],
      series: [
        {},
        ...names.map((n, i) => ({
          label: n,
          stroke: PALETTE[i % PALETTE.length],
          width: 1.5,
          spanGaps: false,
        })),
        ...(threshold !== undefined
          ? [{ label: `threshold ${threshold}`, stroke: text, dash: [6, 4], width: 1 }]
          : []),
      ],
    };
    const plot = new uPlot(opts, data, el);
    const ro = new ResizeObserver(() => plot.setSize({ width: Math.max(280, el.clientWidth), height: 240 }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [data, names, threshold]);

  if (data[0].length === 0)
    return (
      <p className="muted">
        No data for this expression in the selected range (the metric may never have been reported).
      </p>
    );
  return (
    <figure className="al-chart" aria-label={`Chart of ${title}`}>
      <div ref={box} />
      <figcaption className="sr-only">
        {names.length} series{result.data.result.length > MAX_SERIES ? ` (first ${MAX_SERIES} shown)` : ''}
        {threshold !== undefined ? `, threshold ${threshold}` : ''}
      </figcaption>
      {result.data.result.length > MAX_SERIES ? (
        <p className="muted">
          Showing {MAX_SERIES} of {result.data.result.length} series.
        </p>
      ) : null}
    </figure>
  );
}
