/** Small charts of the checks pages: latency sparkline, daily uptime bar, and a uPlot latency chart. */
import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

const fmtPct = (v: number) => `${v % 1 === 0 ? v : v.toFixed(2)}%`;

/** An inline latency sparkline (mean ms per hour, oldest first); gaps where nothing succeeded. */
export function Sparkline({ values, label }: { values: Array<number | null>; label: string }) {
  const w = 96;
  const h = 24;
  const nums = values.filter((v): v is number => v !== null);
  if (nums.length === 0) return <span className="muted">no data</span>;
  const max = Math.max(...nums, 1);
  const step = values.length > 1 ? w / (values.length - 1) : w;
  // Runs of consecutive values become lines; a lone value (gaps on both sides) becomes a dot.
  const segments: string[] = [];
  const dots: Array<[number, number]> = [];
  let run: Array<[number, number]> = [];
  const flush = () => {
    if (run.length === 1) dots.push(run[0]);
    else if (run.length > 1)
      segments.push(run.map(([x, y], j) => `${j ? 'L' : 'M'}${x.toFixed(1)} ${y.toFixed(1)}`).join(' '));
    run = [];
  };
  values.forEach((v, i) => {
    if (v === null) flush();
    else run.push([Math.min(w - 2, Math.max(2, i * step)), h - 2 - (v / max) * (h - 4)]);
  });
  flush();
  const last = nums[nums.length - 1];
  return (
    <svg
      className="ck-spark"
      width={w}
      height={h}
      viewBox={`0 0 ${w} ${h}`}
      role="img"
      aria-label={`${label}: latency over the last 24 hours, latest hourly mean ${Math.round(last)} ms, peak ${Math.round(max)} ms`}
    >
      {segments.map((d) => (
        <path key={d} d={d} />
      ))}
      {dots.map(([x, y]) => (
        <circle key={`${x}`} cx={x} cy={y} r={2} />
      ))}
    </svg>
  );
}

function tone(v: number | null): string {
  if (v === null) return 'none';
  if (v >= 99.9) return 'ok';
  if (v >= 99) return 'warn';
  return 'bad';
}

/** A bar of daily uptime cells (oldest first, today last), each with its date and percentage. */
export function UptimeBar({
  days,
  label,
  compact = false,
}: {
  days: Array<number | null>;
  label: string;
  compact?: boolean;
}) {
  const ran = days.filter((d): d is number => d !== null);
  const avg = ran.length ? ran.reduce((a, b) => a + b, 0) / ran.length : null;
  const today = new Date();
  today.setUTCHours(0, 0, 0, 0);
  const summary =
    avg === null
      ? `${label}: no results in the last ${days.length} days`
      : `${label}: ${fmtPct(Math.round(avg * 1000) / 1000)} average uptime over ${ran.length} of the last ${days.length} days`;
  return (
    <div className={`ck-uptime${compact ? ' ck-uptime-compact' : ''}`} role="img" aria-label={summary}>
      {days.map((d, i) => {
        const date = new Date(today.getTime() - (days.length - 1 - i) * 86_400_000)
          .toISOString()
          .slice(0, 10);
        return (
          <span
            // biome-ignore lint/suspicious/noArrayIndexKey: one cell per day position
            key={i}
            className={`ck-cell ck-${tone(d)}`}
            title={`${date}: ${d === null ? 'no data' : fmtPct(d)}`}
          />
        );
      })}
    </div>
  );
}

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

/** Re-renders when the theme (data-theme or the system preference) changes. */
function useThemeTick(): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const bump = () => setTick((n) => n + 1);
    const mo = new MutationObserver(bump);
    mo.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    const mq = window.matchMedia('(prefers-color-scheme: dark)');
    mq.addEventListener('change', bump);
    return () => {
      mo.disconnect();
      mq.removeEventListener('change', bump);
    };
  }, []);
  return tick;
}

export interface ChartSeries {
  label: string;
  /** Colour variable, e.g. --accent. */
  color: string;
  values: Array<number | null>;
  /** Draw points only (e.g. failures). */
  points?: boolean;
}

/** A time-series chart (uPlot) of latency in ms; `times` in epoch seconds, ascending. */
export function LatencyChart({
  times,
  series,
  title,
  xRange,
}: {
  times: number[];
  series: ChartSeries[];
  title: string;
  /** The requested window in epoch seconds (so a few points do not stretch the axis to years). */
  xRange?: [number, number];
}) {
  const box = useRef<HTMLDivElement>(null);
  const themeTick = useThemeTick();
  const [width, setWidth] = useState(600);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(Math.max(280, Math.floor(el.clientWidth))));
    ro.observe(el);
    setWidth(Math.max(280, Math.floor(el.clientWidth)));
    return () => ro.disconnect();
  }, []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: themeTick re-reads the colour variables
  useEffect(() => {
    const el = box.current;
    if (!el || times.length === 0) return;
    const text = cssVar('--text', '#16181d');
    const muted = cssVar('--muted', '#4f5663');
    const grid = cssVar('--border', '#d5d9e0');
    const axis = { stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const opts: uPlot.Options = {
      width,
      height: 220,
      legend: { show: true },
      cursor: { drag: { x: true, y: false } },
      scales: {
        // The requested window, so a handful of points does not stretch the axis over years.
        x: xRange ? { time: true, auto: false, range: [xRange[0], xRange[1]] } : { time: true },
        y: { auto: true, range: (_u, _min, max) => [0, Math.max(10, max * 1.1)] },
      },
      axes: [
        { ...axis, font: '12px system-ui', labelFont: '12px system-ui' },
        { ...axis, label: 'ms', font: '12px system-ui', labelFont: '12px system-ui', size: 56 },
      ],
      series: [
        { label: 'time' },
        ...series.map((s) => {
          const color = cssVar(s.color, text);
          return s.points
            ? {
                label: s.label,
                stroke: color,
                width: 0,
                points: { show: true, size: 7, stroke: color, fill: color },
                value: (_u: uPlot, v: number | null) => (v === null ? '—' : `${Math.round(v)} ms`),
              }
            : {
                label: s.label,
                stroke: color,
                width: 1.5,
                spanGaps: false,
                // A handful of results would be invisible as a line: show the points too.
                points: { show: times.length < 60, size: 5 },
                value: (_u: uPlot, v: number | null) => (v === null ? '—' : `${Math.round(v)} ms`),
              };
        }),
      ],
    };
    const plot = new uPlot(opts, [times, ...series.map((s) => s.values)] as uPlot.AlignedData, el);
    return () => plot.destroy();
  }, [times, series, width, themeTick, xRange?.[0], xRange?.[1]]);
  return (
    <figure className="ck-chart">
      <figcaption className="sr-only">{title}</figcaption>
      <div ref={box} />
    </figure>
  );
}
