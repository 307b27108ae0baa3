/** Tokenizer for PromQL; keywords are recognized by the parser from identifier text. */
import { PromQLParseError } from './errors.ts';

/** Token categories. */
export type TokenKind = 'ident' | 'number' | 'duration' | 'string' | 'punct' | 'eof';

/** One token with its source offset. */
export interface Token {
  kind: TokenKind;
  /** Source text (for punct: the operator itself). */
  text: string;
  pos: number;
  /** Numeric value (number) or milliseconds (duration). */
  num?: number;
  /** Decoded value of a string literal. */
  str?: string;
}

const PUNCTS = ['==', '!=', '>=', '<=', '=~', '!~', '+', '-', '*', '/', '%', '^', '>', '<', '=', '(', ')'];
const PUNCTS2 = ['{', '}', '[', ']', ',', '@', ':'];

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};
const UNIT_ORDER = ['y', 'w', 'd', 'h', 'm', 's', 'ms'];

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}
function isAlpha(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
}

/** Parses a Prometheus duration ("1h30m", "5m", "100ms"); returns ms or undefined if malformed. */
export function parsePromDuration(s: string): number | undefined {
  if (s === '0') return 0;
  const re = /(\d+)(ms|[smhdwy])/y;
  let i = 0;
  let total = 0;
  let lastUnit = -1;
  while (i < s.length) {
    re.lastIndex = i;
    const m = re.exec(s);
    if (!m) return undefined;
    const ui = UNIT_ORDER.indexOf(m[2]);
    if (ui <= lastUnit) return undefined; // units must be in decreasing order, each at most once
    lastUnit = ui;
    total += Number(m[1]) * DURATION_UNITS[m[2]];
    i = re.lastIndex;
  }
  return i === 0 ? undefined : total;
}

const ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
};

/** Splits a query into tokens; throws PromQLParseError on malformed input. */
export function tokenize(input: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let bracketDepth = 0; // inside [...] a colon separates subquery range and step
  const n = input.length;
  const fail = (at: number, msg: string): never => {
    throw new PromQLParseError(input, at, msg);
  };
  while (i < n) {
    const c = input[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < n && input[i] !== '\n') i++;
      continue;
    }
    const start = i;
    if (isDigit(c) || (c === '.' && i + 1 < n && isDigit(input[i + 1]))) {
      i = lexNumber(input, i, out, fail);
      continue;
    }
    if (isAlpha(c) || (c === ':' && bracketDepth === 0)) {
      while (i < n && (isAlpha(input[i]) || isDigit(input[i]) || (input[i] === ':' && bracketDepth === 0)))
        i++;
      const text = input.slice(start, i);
      const lower = text.toLowerCase();
      if (lower === 'inf' || lower === 'nan') {
        out.push({ kind: 'number', text, pos: start, num: lower === 'inf' ? Infinity : NaN });
      } else out.push({ kind: 'ident', text, pos: start });
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      i = lexString(input, i, out, fail);
      continue;
    }
    const two = input.slice(i, i + 2);
    if (PUNCTS.includes(two) && two.length === 2) {
      out.push({ kind: 'punct', text: two, pos: i });
      i += 2;
      continue;
    }
    if (PUNCTS.includes(c) || PUNCTS2.includes(c)) {
      if (c === '[') bracketDepth++;
      else if (c === ']') bracketDepth = Math.max(0, bracketDepth - 1);
      out.push({ kind: 'punct', text: c, pos: i });
      i++;
      continue;
    }
    if (c === '!') fail(i, "unexpected character after '!'");
    fail(i, `unexpected character: ${JSON.stringify(c)}`);
  }
  out.push({ kind: 'eof', text: '', pos: n });
  return out;
}

function lexNumber(input: string, i: number, out: Token[], fail: (at: number, m: string) => never): number {
  const start = i;
  const n = input.length;
  if (input[i] === '0' && (input[i + 1] === 'x' || input[i + 1] === 'X')) {
    i += 2;
    while (i < n && /[0-9a-fA-F_]/.test(input[i])) i++;
    const text = input.slice(start, i);
    const hex = text.slice(2).replace(/_/g, '');
    if (!hex || (i < n && (isAlpha(input[i]) || input[i] === '.')))
      fail(start, `bad number or duration syntax: "${text}"`);
    out.push({ kind: 'number', text, pos: start, num: Number.parseInt(hex, 16) });
    return i;
  }
  // Try a duration first: digits followed by a unit, repeated.
  const dm = /(?:\d+(?:ms|[smhdwy]))+/y;
  dm.lastIndex = i;
  const d = dm.exec(input);
  if (
    d &&
    !(
      d.index + d[0].length < n &&
      (isAlpha(input[d.index + d[0].length]) || isDigit(input[d.index + d[0].length]))
    )
  ) {
    const ms = parsePromDuration(d[0]);
    if (ms === undefined) fail(start, `bad duration syntax: "${d[0]}"`);
    out.push({ kind: 'duration', text: d[0], pos: start, num: ms });
    return i + d[0].length;
  }
  const nm = /(?:\d(?:_?\d)*)?(?:\.(?:\d(?:_?\d)*)?)?(?:[eE][+-]?\d(?:_?\d)*)?/y;
  nm.lastIndex = i;
  const m = nm.exec(input)!;
  i += m[0].length;
  if (i < n && (isAlpha(input[i]) || input[i] === '.' || isDigit(input[i]))) {
    let j = i;
    while (j < n && (isAlpha(input[j]) || isDigit(input[j]) || input[j] === '.')) j++;
    fail(start, `bad number or duration syntax: "${input.slice(start, j)}"`);
  }
  out.push({ kind: 'number', text: m[0], pos: start, num: Number(m[0].replace(/_/g, '')) });
  return i;
}

function lexString(input: string, i: number, out: Token[], fail: (at: number, m: string) => never): number {
  const q = input[i];
  const start = i;
  i++;
  let s = '';
  const n = input.length;
  if (q === '`') {
    const end = input.indexOf('`', i);
    if (end < 0) fail(start, 'unterminated raw string');
    out.push({ kind: 'string', text: input.slice(start, end + 1), pos: start, str: input.slice(i, end) });
    return end + 1;
  }
  while (true) {
    if (i >= n || input[i] === '\n') fail(start, 'unterminated quoted string');
    const c = input[i];
    if (c === q) break;
    if (c !== '\\') {
      s += c;
      i++;
      continue;
    }
    const e = input[i + 1];
    if (e === undefined) fail(start, 'unterminated quoted string');
    if (e in ESCAPES) {
      s += ESCAPES[e];
      i += 2;
    } else if (e === q) {
      s += q;
      i += 2;
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = input.slice(i + 2, i + 2 + len);
      if (hex.length !== len || !/^[0-9a-fA-F]+$/.test(hex)) fail(i, 'invalid escape sequence in string');
      const code = Number.parseInt(hex, 16);
      if (e === 'x') s += byteChar(code);
      else {
        if (code > 0x10ffff || (code >= 0xd800 && code < 0xe000))
          fail(i, 'invalid Unicode code point in escape sequence');
        s += String.fromCodePoint(code);
      }
      i += 2 + len;
    } else if (e >= '0' && e <= '7') {
      const oct = input.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(oct) || Number.parseInt(oct, 8) > 255)
        fail(i, 'invalid escape sequence in string');
      s += byteChar(Number.parseInt(oct, 8));
      i += 4;
    } else fail(i, `unknown escape sequence "\\${e}" in string`);
  }
  out.push({ kind: 'string', text: input.slice(start, i + 1), pos: start, str: decodeByteRuns(s) });
  return i + 1;
}

/**
 * Go strings are bytes: `\xNN` escapes >= 0x80 are kept as lone surrogates U+DC80..U+DCFF
 * ("surrogateescape") and runs of them that form valid UTF-8 are decoded. What stays a lone
 * surrogate is invalid UTF-8, which label-name validation then rejects, as Prometheus does.
 */
function byteChar(b: number): string {
  return b < 0x80 ? String.fromCharCode(b) : String.fromCharCode(0xdc00 + b);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeByteRuns(s: string): string {
  return s.replace(/[\udc80-\udcff]+/g, (run) => {
    try {
      return utf8.decode(Uint8Array.from(run, (c) => c.charCodeAt(0) - 0xdc00));
    } catch {
      return run;
    }
  });
}

/** Quotes a string like Go's %q, showing escaped invalid bytes as \xNN. */
export function goQuote(s: string): string {
  return JSON.stringify(s).replace(/\\udc([89a-f][0-9a-f])/g, '\\x$1');
}
