/** Parsing of Prometheus' PromQL test-script syntax: series notation, eval headers, expectations. */
import type { Labels } from '../storage.ts';
import { STALE_NAN } from '../storage.ts';
import { setLabel } from './labels-util.ts';
import { parsePromDuration, tokenize } from './lexer.ts';

/** An `expect` line (or the expectation implied by an eval variant). */
export interface Expectation {
  kind: 'fail' | 'warn' | 'info' | 'no_warn' | 'no_info' | 'ordered';
  msg?: string;
  regex?: RegExp;
}

/** One expected result line. */
export interface ExpectedSeries {
  labels: Labels;
  /** undefined entries are omitted points (`_`). */
  values: (number | undefined)[];
  scalar: boolean;
}

const FLOAT = String.raw`[-+]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|0x[0-9a-fA-F]+|[Ii]nf|[Nn]a[Nn])`;
const SEQ_RE = new RegExp(`^(${FLOAT})(?:([-+])(${FLOAT}))?x(\\d+)$`);

/** Parses a float as written in scripts (Inf, NaN, hex included). */
export function parseFloatTok(s: string): number {
  const l = s.toLowerCase();
  if (l === 'inf' || l === '+inf') return Number.POSITIVE_INFINITY;
  if (l === '-inf') return Number.NEGATIVE_INFINITY;
  if (l === 'nan' || l === '+nan' || l === '-nan') return Number.NaN;
  const v = Number(s);
  if (Number.isNaN(v)) throw new Error(`bad number ${s}`);
  return v;
}

/** Splits a value sequence into tokens, keeping `{{ ... }}` histogram literals together. */
function splitValues(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    while (i < s.length && /\s/.test(s[i])) i++;
    if (i >= s.length) break;
    let j = i;
    let depth = 0;
    while (j < s.length && (depth > 0 || !/\s/.test(s[j]))) {
      if (s.startsWith('{{', j)) {
        depth++;
        j += 2;
        continue;
      }
      if (s.startsWith('}}', j)) {
        depth--;
        j += 2;
        continue;
      }
      j++;
    }
    out.push(s.slice(i, j));
    i = j;
  }
  return out;
}

/** Expands series notation; `'h'` marks a native histogram sample. */
export function expandValues(s: string): (number | undefined | 'h')[] {
  const out: (number | undefined | 'h')[] = [];
  for (const tok of splitValues(s)) {
    if (tok.startsWith('{{')) {
      const m = /x(\d+)$/.exec(tok);
      const n = m && tok.endsWith(`}}x${m[1]}`) ? Number(m[1]) + 1 : 1;
      for (let i = 0; i < n; i++) out.push('h');
      continue;
    }
    if (tok === '_') out.push(undefined);
    else if (/^_x\d+$/.test(tok)) for (let i = 0; i < Number(tok.slice(2)); i++) out.push(undefined);
    else if (tok === 'stale') out.push(STALE_NAN);
    else {
      const m = SEQ_RE.exec(tok);
      if (m) {
        const a = parseFloatTok(m[1]);
        const b = m[3] ? parseFloatTok(m[3]) * (m[2] === '-' ? -1 : 1) : 0;
        for (let i = 0; i <= Number(m[4]); i++) out.push(a + b * i);
      } else out.push(parseFloatTok(tok));
    }
  }
  return out;
}

/** Splits `metric{a="b"} 1 2 3` into the series part and the rest. */
export function splitSeriesLine(line: string): [string, string] {
  let i = 0;
  let inStr: string | undefined;
  let depth = 0;
  for (; i < line.length; i++) {
    const c = line[i];
    if (inStr) {
      if (c === '\\') i++;
      else if (c === inStr) inStr = undefined;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') inStr = c;
    else if (c === '{' && !line.startsWith('{{', i)) depth++;
    else if (c === '}') depth--;
    else if (/\s/.test(c) && depth === 0) break;
  }
  return [line.slice(0, i), line.slice(i).trim()];
}

/** Parses a series descriptor (`name{a="b"}`, `{}`, `{"quoted.name"}`) into labels. */
export function seriesLabels(desc: string): Labels {
  const toks = tokenize(desc);
  let labels: Labels = [];
  let i = 0;
  if (toks[i].kind === 'ident') labels = setLabel(labels, '__name__', toks[i++].text);
  if (toks[i].text === '{') {
    i++;
    while (toks[i].text !== '}' && toks[i].kind !== 'eof') {
      const name = toks[i].kind === 'string' ? toks[i].str! : toks[i].text;
      if (toks[i + 1].text === '=') {
        labels = setLabel(labels, name, toks[i + 2].str ?? '');
        i += 3;
      } else {
        labels = setLabel(labels, '__name__', name);
        i++;
      }
      if (toks[i].text === ',') i++;
    }
  }
  return labels;
}

/** Parses an eval time: a duration (`50m`) or seconds (`1000`); returns ms. */
export function parseTime(s: string): number {
  if (/^-?\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const d = parsePromDuration(s);
  if (d === undefined) throw new Error(`bad time ${s}`);
  return d;
}

/** Parses an `expect <type> [msg|regex: text]` line. */
export function parseExpect(line: string): Expectation | undefined {
  const m = /^expect\s+(fail|warn|info|no_warn|no_info|ordered)(?:\s+(msg|regex):\s*(.*))?$/.exec(line);
  if (!m) return undefined;
  const e: Expectation = { kind: m[1] as Expectation['kind'] };
  let text = m[3]?.trim();
  if (text?.startsWith('"') && text.endsWith('"') && text.length > 1) text = JSON.parse(text) as string;
  if (m[2] === 'msg') e.msg = text;
  if (m[2] === 'regex') e.regex = new RegExp(text!);
  return e;
}

/** A parsed eval command. */
export interface EvalCase {
  line: number;
  query: string;
  instant: boolean;
  time: number;
  end: number;
  step: number;
  expects: Expectation[];
  expected: ExpectedSeries[];
  nativeExpected: boolean;
}

/** Parses an eval command with its expectation and result lines. */
export function parseEval(header: string, body: string[], line: number): EvalCase {
  const m = /^(eval(?:_fail|_warn|_info|_ordered)?)\s+(instant|range)\s+(.*)$/.exec(header);
  if (!m) throw new Error(`line ${line}: bad eval command`);
  const c: EvalCase = {
    line,
    query: '',
    instant: m[2] === 'instant',
    time: 0,
    end: 0,
    step: 0,
    expects: [],
    expected: [],
    nativeExpected: false,
  };
  const variant = m[1].slice(5);
  if (variant) c.expects.push({ kind: variant as Expectation['kind'] });
  if (c.instant) {
    const im = /^at\s+(\S+)\s+(.*)$/.exec(m[3]);
    if (!im) throw new Error(`line ${line}: bad instant eval`);
    c.time = parseTime(im[1]);
    c.query = im[2];
  } else {
    const rm = /^from\s+(\S+)\s+to\s+(\S+)\s+step\s+(\S+)\s+(.*)$/.exec(m[3]);
    if (!rm) throw new Error(`line ${line}: bad range eval`);
    c.time = parseTime(rm[1]);
    c.end = parseTime(rm[2]);
    c.step = parseTime(rm[3]);
    c.query = rm[4];
  }
  for (const b of body) {
    const ex = parseExpect(b);
    if (ex) {
      c.expects.push(ex);
      continue;
    }
    const fm = /^expected_fail_(message|regexp)\s+(.*)$/.exec(b);
    if (fm) {
      c.expects.push(
        fm[1] === 'message' ? { kind: 'fail', msg: fm[2] } : { kind: 'fail', regex: new RegExp(fm[2]) },
      );
      continue;
    }
    if (b.includes('{{')) c.nativeExpected = true;
    const [desc, rest] = splitSeriesLine(b);
    if (rest === '' && SEQ_OR_FLOAT.test(desc)) {
      c.expected.push({ labels: [], values: [parseFloatTok(desc)], scalar: true });
      continue;
    }
    const values = expandValues(rest).map((v) => (v === 'h' ? Number.NaN : v));
    c.expected.push({ labels: seriesLabels(desc), values, scalar: false });
  }
  // Stricter than the new script semantics, as the older runner was: a plain `eval` without
  // warn/info expectations must not produce such annotations (spurious annotations are bugs too).
  if (!variant) {
    if (!c.expects.some((e) => e.kind === 'warn' || e.kind === 'no_warn'))
      c.expects.push({ kind: 'no_warn' });
    if (!c.expects.some((e) => e.kind === 'info' || e.kind === 'no_info'))
      c.expects.push({ kind: 'no_info' });
  }
  return c;
}
const SEQ_OR_FLOAT = new RegExp(`^${FLOAT}$`);
