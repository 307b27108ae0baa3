/**
 * Alertmanager-style label matchers (`name=value`, `name!=value`, `name=~regex`, `name!~regex`)
 * shared by routes, inhibition rules, silences and maintenance windows.
 */

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface Matcher {
  name: string;
  op: MatchOp;
  value: string;
}

export type Labels = Record<string, string>;

const MATCHER_RE = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/;

/** Parses one matcher string; values may be double-quoted (`severity=~"critical|page"`). */
export function parseMatcher(input: string): Matcher {
  const m = MATCHER_RE.exec(input);
  if (!m)
    throw new Error(`"${input}" is not a matcher (expected name=value, name!=value, name=~re or name!~re)`);
  let value = m[3];
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    value = JSON.parse(value) as string;
  }
  const op = m[2] as MatchOp;
  if (op === '=~' || op === '!~') new RegExp(`^(?:${value})$`); // throws on a bad regex
  return { name: m[1], op, value };
}

/** Parses matcher strings, returning problems instead of throwing (for kind checks). */
export function matcherProblems(list: readonly string[] | undefined, field: string): string[] {
  const out: string[] = [];
  (list ?? []).forEach((s, i) => {
    try {
      parseMatcher(s);
    } catch (e) {
      out.push(`${field}[${i}]: ${(e as Error).message}`);
    }
  });
  return out;
}

/** Formats a matcher back to its string form. */
export function formatMatcher(m: Matcher): string {
  return `${m.name}${m.op}${JSON.stringify(m.value)}`;
}

const regexCache = new Map<string, RegExp>();
function anchored(src: string): RegExp {
  let re = regexCache.get(src);
  if (!re) {
    re = new RegExp(`^(?:${src})$`);
    if (regexCache.size > 5000) regexCache.clear();
    regexCache.set(src, re);
  }
  return re;
}

/** True when `labels` satisfy the matcher (a missing label counts as the empty string, as in Alertmanager). */
export function matches(m: Matcher, labels: Labels): boolean {
  const v = labels[m.name] ?? '';
  switch (m.op) {
    case '=':
      return v === m.value;
    case '!=':
      return v !== m.value;
    case '=~':
      return anchored(m.value).test(v);
    case '!~':
      return !anchored(m.value).test(v);
  }
}

/** True when all matchers hold (an empty list matches everything). */
export function matchesAll(ms: readonly Matcher[], labels: Labels): boolean {
  for (const m of ms) if (!matches(m, labels)) return false;
  return true;
}
