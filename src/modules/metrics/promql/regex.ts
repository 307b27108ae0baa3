/**
 * Translates RE2 (Go) regular expressions, as used in PromQL matchers and label_replace, to
 * anchored JavaScript RegExps. Node 20 lacks inline flag groups, so `(?i)` / `(?i:...)` are
 * rewritten into explicit case classes; `(?P<name>` becomes `(?<name>`.
 */
const cache = new Map<string, RegExp>();

/** Fully anchored, cached RegExp for an RE2 pattern (dot matches newline, as in Prometheus). */
export function compileRegex(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (!re) {
    re = new RegExp(`^(?:${translateRe2(pattern)})$`, 's');
    if (cache.size > 5000) cache.clear();
    cache.set(pattern, re);
  }
  return re;
}

function swapCase(c: string): string {
  const l = c.toLowerCase();
  return l === c ? c.toUpperCase() : l;
}
const isLetter = (c: string) => c.toLowerCase() !== c.toUpperCase();

/** Rewrites RE2-only syntax into equivalent JavaScript syntax (unanchored). */
export function translateRe2(p: string): string {
  let out = '';
  const stack: boolean[] = [];
  let ci = false;
  let i = 0;
  while (i < p.length) {
    const c = p[i];
    if (c === '\\') {
      const e = p[i + 1] ?? '';
      if (e === 'z') out += '$';
      else if (e === 'A') out += '^';
      else if (e === 'Q') {
        const end = p.indexOf('\\E', i + 2);
        const lit = p.slice(i + 2, end < 0 ? p.length : end);
        out += lit.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
        i = end < 0 ? p.length : end + 2;
        continue;
      } else out += c + e;
      i += 2;
      continue;
    }
    if (c === '[') {
      let j = i + 1;
      let body = '';
      if (p[j] === '^') {
        body += '^';
        j++;
      }
      if (p[j] === ']') {
        body += '\\]';
        j++;
      }
      let extra = '';
      while (j < p.length && p[j] !== ']') {
        if (p[j] === '\\') {
          body += p[j] + (p[j + 1] ?? '');
          j += 2;
          continue;
        }
        if (p.startsWith('[:', j)) {
          const end = p.indexOf(':]', j);
          const name = p.slice(j + 2, end);
          body += POSIX[name] ?? '';
          j = end + 2;
          continue;
        }
        if (ci && isLetter(p[j])) {
          if (p[j + 1] === '-' && p[j + 2] && p[j + 2] !== ']' && isLetter(p[j + 2])) {
            extra += `${swapCase(p[j])}-${swapCase(p[j + 2])}`;
            body += p.slice(j, j + 3);
            j += 3;
            continue;
          }
          extra += swapCase(p[j]);
        }
        body += p[j] === '[' ? '\\[' : p[j];
        j++;
      }
      out += `[${body}${extra}]`;
      i = j + 1;
      continue;
    }
    if (c === '(') {
      stack.push(ci);
      if (p[i + 1] === '?') {
        if (p.startsWith('(?P<', i)) {
          out += '(?<';
          i += 4;
          continue;
        }
        const m = /^\(\?([a-zA-Z-]*)([:)])/.exec(p.slice(i));
        if (m && m[1] !== '') {
          let on = true;
          let nci: boolean = ci;
          for (const f of m[1]) {
            if (f === '-') on = false;
            else if (f === 'i') nci = on;
          }
          if (m[2] === ')') {
            stack.pop();
            ci = nci;
          } else {
            ci = nci;
            out += '(?:';
          }
          i += m[0].length;
          continue;
        }
      }
      out += c;
      i++;
      continue;
    }
    if (c === ')') {
      if (stack.length) ci = stack.pop()!;
      out += c;
      i++;
      continue;
    }
    if (ci && isLetter(c)) out += `[${c}${swapCase(c)}]`;
    else out += c;
    i++;
  }
  return out;
}

const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  digit: '0-9',
  lower: 'a-z',
  upper: 'A-Z',
  space: '\\s',
  word: '\\w',
  xdigit: '0-9A-Fa-f',
  punct: '!-\\/:-@\\[-`{-~',
};
