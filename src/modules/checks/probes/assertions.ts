/** Pure assertion helpers for HTTP probes: expected status codes, body text/regex and JSON fields. */

/** True when `status` is in `expected` (numbers or `2xx`-style classes); default 2xx/3xx. */
export function statusExpected(status: number, expected: Array<number | string> | undefined): boolean {
  const list = expected ?? ['2xx', '3xx'];
  return list.some((e) => (typeof e === 'number' ? e === status : Math.floor(status / 100) === Number(e[0])));
}

/** Reads `a.b.0.c` from a parsed JSON value. */
export function jsonPath(value: unknown, path: string): { found: boolean; value: unknown } {
  let cur: unknown = value;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur as object, part))
      return { found: false, value: undefined };
    cur = (cur as Record<string, unknown>)[part];
  }
  return { found: true, value: cur };
}

/** Checks body assertions; returns a short problem text or null. Bodies decode leniently (bad UTF-8 → U+FFFD). */
export function assertBody(
  body: Buffer,
  _contentType: string | undefined,
  spec: {
    body_contains?: string;
    body_matches?: string;
    json?: Array<{ path: string; equals?: unknown; exists?: boolean }>;
  },
): string | null {
  if (!spec.body_contains && !spec.body_matches && !spec.json?.length) return null;
  const text = new TextDecoder('utf-8', { fatal: false }).decode(body);
  if (spec.body_contains && !text.includes(spec.body_contains)) {
    return `body does not contain "${spec.body_contains.slice(0, 80)}"`;
  }
  if (spec.body_matches && !new RegExp(spec.body_matches).test(text)) {
    return `body does not match /${spec.body_matches.slice(0, 80)}/`;
  }
  if (spec.json?.length) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return 'body is not valid JSON';
    }
    for (const a of spec.json) {
      const got = jsonPath(parsed, a.path);
      if (a.exists === false) {
        if (got.found) return `json ${a.path} should not exist`;
        continue;
      }
      if (!got.found) return `json ${a.path} is missing`;
      if (a.equals !== undefined && got.value !== a.equals) {
        return `json ${a.path} is ${JSON.stringify(got.value)?.slice(0, 80)}, expected ${JSON.stringify(a.equals)}`;
      }
    }
  }
  return null;
}
