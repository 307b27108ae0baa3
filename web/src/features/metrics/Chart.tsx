/**
 * A range-query chart on uPlot: one line per series (not stacked), axes and grid in the theme's
 * colours (rebuilt when the theme changes), resized with its container. The legend is ours:
 * buttons that show or hide a series (keyboard-usable), with the value under the cursor.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { type MatrixSeries, seriesName } from './promapi.ts';

/** Distinct hues that read on light and dark surfaces alike. */
const PALETTE = [
  '#3b82f6',
  '#e5484d',
  '#30a46c',
  '#f59e0b',
  '#8e4ec6',
  '#12a594',
  '#d6409f',
  '#978365',
  '#0091ff',
  '#f76808',
  '#46a758',
  '#6e56cf',
  '#e93d82',
  '#00a2c7',
  '#ad7f58',
  '#5b5bd6',
];
export const MAX_CHART_SERIES = 100;

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

/** Aligns series on the query's step grid (seconds); missing points are gaps. */
export function alignSeries(result: MatrixSeries[], start: number, end: number, step: number) {
  const xs: number[] = [];
  for (let t = start; t <= end + 1e-9; t += step) xs.push(Math.round(t * 1000) / 1000);
  const index = new Map(xs.map((t, i) => [t, i]));
  const ys = result.map((s) => {
    const col: Array<number | null> = new Array(xs.length).fill(null);
    for (const [t, v] of s.values) {
      const i = index.get(Math.round(t * 1000) / 1000);
      const n = Number(v);
      if (i !== undefined) col[i] = Number.isFinite(n) ? n : null;
    }
    return col;
  });
  return { xs, ys };
}

/** Cumulative sums over the visible series (hidden ones stay as they are and are not drawn). */
export function stack(ys: Array<Array<number | null>>, hidden: Set<number>): Array<Array<number | null>> {
  const acc: number[] = new Array(ys[0]?.length ?? 0).fill(0);
  return ys.map((col, i) => {
    if (hidden.has(i)) return col;
    return col.map((v, j) => {
      if (v === null) return null;
      acc[j] += v;
      return acc[j];
    });
  });
}

function useThemeKey(): string {
  const [key, setKey] = useState(document.documentElement.dataset.theme ?? 'system');
  useEffect(() => {
    const obs = new MutationObserver(() => setKey(document.documentElement.dataset.theme ?? 'system'));
    obs.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    const mq = window.matchMedia('(prefers-color-scheme: dark)');
    const onMq = () => setKey((k) => `${k.split('|')[0]}|${mq.matches}`);
    mq.addEventListener('change', onMq);
    return () => {
      obs.disconnect();
      mq.removeEventListener('change', onMq);
    };
  }, []);
  return key;
}

export function RangeChart(props: {
  result: MatrixSeries[];
  start: number;
  end: number;
  step: number;
  label: string;
  /** Draw series on top of each other (areas), instead of as independent lines. */
  stacked?: boolean;
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const [hidden, setHidden] = useState<Set<number>>(new Set());
  const [cursorIdx, setCursorIdx] = useState<number | null>(null);
  const theme = useThemeKey();
  const shown = useMemo(() => props.result.slice(0, MAX_CHART_SERIES), [props.result]);
  const { xs, ys } = useMemo(
    () => alignSeries(shown, props.start, props.end, props.step),
    [shown, props.start, props.end, props.step],
  );
  const names = useMemo(() => shown.map((s) => seriesName(s.metric)), [shown]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: rebuilt on data and theme changes only
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const axis = {
      stroke: cssVar('--muted'),
      grid: { stroke: cssVar('--border'), width: 1 },
      ticks: { stroke: cssVar('--border') },
    };
    const stacked = Boolean(props.stacked);
    // Stacked: each visible series is drawn at the sum of itself and the visible ones before it,
    // with the band down to the previous one filled. The legend keeps the raw values.
    const drawn = stacked ? stack(ys, hidden) : ys;
    const visible = names.map((_, i) => i).filter((i) => !hidden.has(i));
    const bands = stacked
      ? visible.slice(1).map((i, k) => ({
          series: [i + 1, visible[k] + 1] as [number, number],
          fill: `${PALETTE[i % PALETTE.length]}4d`,
        }))
      : [];
    const u = new uPlot(
      {
        width: Math.max(280, el.clientWidth),
        height: 320,
        legend: { show: false },
        cursor: { drag: { x: false, y: false }, points: { size: 6 } },
        scales: { x: { time: true } },
        axes: [
          { ...axis, font: '12px system-ui, sans-serif' },
          { ...axis, font: '12px system-ui, sans-serif', size: 64 },
        ],
        bands,
        series: [
          {},
          ...names.map((n, i) => ({
            label: n,
            stroke: PALETTE[i % PALETTE.length],
            width: 1.5,
            spanGaps: false,
            points: { show: xs.length < 60 },
            show: !hidden.has(i),
            ...(stacked && i === visible[0] ? { fill: `${PALETTE[i % PALETTE.length]}4d` } : {}),
          })),
        ],
        hooks: {
          setCursor: [(p: uPlot) => setCursorIdx(p.cursor.idx ?? null)],
        },
      },
      [xs, ...drawn] as uPlot.AlignedData,
      el,
    );
    plot.current = u;
    const ro = new ResizeObserver(() => u.setSize({ width: Math.max(280, el.clientWidth), height: 320 }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [xs, ys, names, theme, props.stacked, props.stacked ? hidden : null]);

  const toggle = (i: number) => {
    const next = new Set(hidden);
    if (next.has(i)) next.delete(i);
    else next.add(i);
    setHidden(next);
    // Stacked charts are rebuilt (the sums change); plain ones just hide the line.
    if (!props.stacked) plot.current?.setSeries(i + 1, { show: !next.has(i) });
  };

  const at = cursorIdx !== null ? xs[cursorIdx] : null;
  return (
    <div className="chart">
      <div
        ref={box}
        className="chart-canvas"
        role="img"
        aria-label={`${props.label}: ${shown.length} series from ${new Date(props.start * 1000).toLocaleString()} to ${new Date(props.end * 1000).toLocaleString()}`}
      />
      <p className="muted chart-cursor" aria-live="off">
        {at !== null ? `At ${new Date(at * 1000).toLocaleString()}` : 'Point at the chart to read values.'}
      </p>
      <ul className="chart-legend" aria-label="Series (press to show or hide)">
        {names.map((n, i) => {
          const v = cursorIdx !== null ? ys[i][cursorIdx] : null;
          return (
            <li key={n}>
              <button
                type="button"
                className="legend-item"
                aria-pressed={!hidden.has(i)}
                onClick={() => toggle(i)}
              >
                <span
                  className="legend-swatch"
                  aria-hidden="true"
                  style={{ background: PALETTE[i % PALETTE.length] }}
                />
                <span className="legend-name">{n}</span>
                {v !== null && v !== undefined ? <span className="legend-value">{v}</span> : null}
              </button>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
