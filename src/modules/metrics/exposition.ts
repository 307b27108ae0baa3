/**
 * Parser for the Prometheus text exposition format 0.0.4 and the OpenMetrics text format
 * (scrapes and the push endpoint). A malformed line fails the whole parse with its line number,
 * as Prometheus fails a scrape.
 */
import { type Label, labelsFromObject } from './storage.ts';

export interface ParsedSample {
  labels: Label[];
  value: number;
  /** Milliseconds; undefined when the exposition carried no timestamp. */
  timestampMs?: number;
}

export interface MetricMetadata {
  type?: string;
  help?: string;
  unit?: string;
}

export interface Exposition {
  samples: ParsedSample[];
  metadata: Map<string, MetricMetadata>;
}

export class ExpositionError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

const NAME_START = /[a-zA-Z_:]/;
const NAME_CHAR = /[a-zA-Z0-9_:]/;

function parseValue(s: string, line: number): number {
  switch (s) {
    case '+Inf':
    case 'Inf':
    case '+inf':
      return Number.POSITIVE_INFINITY;
    case '-Inf':
    case '-inf':
      return Number.NEGATIVE_INFINITY;
    case 'NaN':
    case 'nan':
      return Number.NaN;
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s) && !/^0x[0-9a-fA-F]+$/.test(s)) {
    throw new ExpositionError(line, `invalid value "${s}"`);
  }
  return Number(s);
}

/** Parses an exposition; `openMetrics` switches timestamps to seconds and honours `# EOF`. */
export function parseExposition(text: string, opts: { openMetrics?: boolean } = {}): Exposition {
  const samples: ParsedSample[] = [];
  const metadata = new Map<string, MetricMetadata>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i].replace(/\r$/, '');
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      if (line === '# EOF') break;
      const m = /^#\s+(HELP|TYPE|UNIT)\s+([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\s+(.*))?$/.exec(line);
      if (m) {
        const md = metadata.get(m[2]) ?? {};
        if (m[1] === 'HELP') md.help = (m[3] ?? '').replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
        else if (m[1] === 'TYPE') md.type = (m[3] ?? 'untyped').trim();
        else md.unit = (m[3] ?? '').trim();
        metadata.set(m[2], md);
      }
      continue;
    }
    samples.push(parseSampleLine(line, lineNo, !!opts.openMetrics));
  }
  return { samples, metadata };
}

function parseSampleLine(line: string, lineNo: number, om: boolean): ParsedSample {
  let p = 0;
  if (!NAME_START.test(line[p] ?? '')) throw new ExpositionError(lineNo, 'expected a metric name');
  while (p < line.length && NAME_CHAR.test(line[p])) p++;
  const name = line.slice(0, p);
  const obj: Record<string, string> = { __name__: name };
  if (line[p] === '{') {
    p++;
    for (;;) {
      while (line[p] === ' ' || line[p] === ',') p++;
      if (line[p] === '}') {
        p++;
        break;
      }
      const start = p;
      while (p < line.length && /[a-zA-Z0-9_]/.test(line[p])) p++;
      const lname = line.slice(start, p);
      if (!lname || !/^[a-zA-Z_]/.test(lname)) throw new ExpositionError(lineNo, 'expected a label name');
      while (line[p] === ' ') p++;
      if (line[p] !== '=') throw new ExpositionError(lineNo, `expected "=" after label ${lname}`);
      p++;
      while (line[p] === ' ') p++;
      if (line[p] !== '"') throw new ExpositionError(lineNo, `expected a quoted value for label ${lname}`);
      p++;
      let value = '';
      for (;;) {
        if (p >= line.length) throw new ExpositionError(lineNo, `unterminated value for label ${lname}`);
        const c = line[p++];
        if (c === '"') break;
        if (c === '\\') {
          const e = line[p++];
          value += e === 'n' ? '\n' : e === '"' ? '"' : e === '\\' ? '\\' : `\\${e}`;
        } else value += c;
      }
      if (lname in obj) throw new ExpositionError(lineNo, `duplicate label ${lname}`);
      obj[lname] = value;
    }
  }
  const rest = line.slice(p).trim();
  // OpenMetrics exemplars follow " # "; drop them.
  const body = rest.includes(' # ') ? rest.slice(0, rest.indexOf(' # ')).trim() : rest;
  const parts = body.split(/\s+/).filter(Boolean);
  if (parts.length < 1 || parts.length > 2) throw new ExpositionError(lineNo, 'expected "value [timestamp]"');
  const value = parseValue(parts[0], lineNo);
  let timestampMs: number | undefined;
  if (parts[1] !== undefined) {
    const t = Number(parts[1]);
    if (!Number.isFinite(t)) throw new ExpositionError(lineNo, `invalid timestamp "${parts[1]}"`);
    timestampMs = om ? Math.round(t * 1000) : Math.trunc(t);
  }
  return { labels: labelsFromObject(obj), value, timestampMs };
}
