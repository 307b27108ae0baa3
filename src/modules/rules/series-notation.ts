/**
 * promtool's expanding notation for test input series: `1 2 3`, `0+10x5` (0 10 … 50),
 * `100-5x3`, `7x4` (five 7s), `_` (no sample), `_x3` (three gaps), `stale` (Prometheus'
 * staleness marker: the series ends there) and `Inf`/`NaN`.
 */
import { STALE_NAN } from '../metrics/storage.ts';

/** One expanded value; null is a gap. */
export type SeriesValue = number | null;

function num(s: string): number {
  if (/^[+-]?inf$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(s)) return Number.NaN;
  const n = Number(s);
  if (s === '' || Number.isNaN(n)) throw new Error(`"${s}" is not a number`);
  return n;
}

/** Expands a promtool `values` string. Throws with the offending token on bad input. */
export function expandSeriesValues(input: string): SeriesValue[] {
  const out: SeriesValue[] = [];
  for (const tok of input.trim().split(/\s+/).filter(Boolean)) {
    if (tok === '_') {
      out.push(null);
      continue;
    }
    if (tok === 'stale') {
      out.push(STALE_NAN);
      continue;
    }
    const gap = /^_x(\d+)$/.exec(tok);
    if (gap) {
      for (let i = 0; i < Number(gap[1]); i++) out.push(null);
      continue;
    }
    const m = /^([+-]?[^+\-x]+|[+-]?[Ii]nf)(?:([+-])([^x]+))?x(\d+)$/.exec(tok);
    if (m) {
      const start = num(m[1]);
      const delta = m[2] ? (m[2] === '-' ? -1 : 1) * num(m[3]) : 0;
      const n = Number(m[4]);
      for (let i = 0; i <= n; i++) out.push(start + delta * i);
      continue;
    }
    try {
      out.push(num(tok));
    } catch {
      throw new Error(`invalid value "${tok}" in series values "${input}"`);
    }
  }
  return out;
}
