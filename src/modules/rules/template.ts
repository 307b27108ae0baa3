/**
 * The common subset of Prometheus' alert templating: `{{ $labels.x }}`, `{{ $value }}`,
 * `{{ .Labels.x }}`, `{{ .Value }}`, `{{ $externalURL }}` and pipelines through humanize,
 * humanize1024, humanizePercentage, humanizeDuration, toUpper, toLower, title and
 * `printf "%.2f"`. Unknown functions leave an error marker instead of failing the evaluation.
 */

export interface TemplateData {
  labels: Record<string, string>;
  value: number;
  externalURL?: string;
}

const SI = ['', 'k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];
const SI_SMALL = ['', 'm', 'u', 'n', 'p', 'f', 'a', 'z', 'y'];

function trim(v: number): string {
  return String(Number(v.toPrecision(4)));
}

/** Prometheus' humanize: SI prefixes, 4 significant digits. */
export function humanize(v: number): string {
  if (!Number.isFinite(v)) return formatNumber(v);
  if (v === 0) return '0';
  const abs = Math.abs(v);
  if (abs >= 1) {
    let i = 0;
    let x = v;
    while (Math.abs(x) >= 1000 && i < SI.length - 1) {
      x /= 1000;
      i++;
    }
    return `${trim(x)}${SI[i]}`;
  }
  let i = 0;
  let x = v;
  while (Math.abs(x) < 1 && i < SI_SMALL.length - 1) {
    x *= 1000;
    i++;
  }
  return `${trim(x)}${SI_SMALL[i]}`;
}

function humanize1024(v: number): string {
  if (!Number.isFinite(v) || Math.abs(v) < 1) return trim(v);
  const units = ['', 'ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'Zi', 'Yi'];
  let i = 0;
  let x = v;
  while (Math.abs(x) >= 1024 && i < units.length - 1) {
    x /= 1024;
    i++;
  }
  return `${trim(x)}${units[i]}`;
}

/** Prometheus' humanizeDuration: `1d 2h 3m 4s`, or SI seconds below one second. */
export function humanizeDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return formatNumber(seconds);
  if (Math.abs(seconds) < 1) return seconds === 0 ? '0s' : `${humanize(seconds)}s`;
  const sign = seconds < 0 ? '-' : '';
  let s = Math.abs(seconds);
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const sec = Math.floor(s);
  if (d) return `${sign}${d}d ${h}h ${m}m ${sec}s`;
  if (h) return `${sign}${h}h ${m}m ${sec}s`;
  if (m) return `${sign}${m}m ${sec}s`;
  return `${sign}${trim(s)}s`;
}

function formatNumber(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function printf(format: string, arg: unknown): string {
  return format.replace(/%(\.(\d+))?([dfsgv%])/g, (_, _p, prec, verb) => {
    if (verb === '%') return '%';
    const n = typeof arg === 'number' ? arg : Number(arg);
    if (verb === 'f')
      return Number.isFinite(n) ? n.toFixed(prec === undefined ? 6 : Number(prec)) : formatNumber(n);
    if (verb === 'd') return Number.isFinite(n) ? String(Math.trunc(n)) : formatNumber(n);
    if (verb === 'g') return formatNumber(n);
    return typeof arg === 'number' ? formatNumber(arg) : String(arg);
  });
}

const FUNCS: Record<string, (v: unknown) => string> = {
  humanize: (v) => humanize(Number(v)),
  humanize1024: (v) => humanize1024(Number(v)),
  humanizePercentage: (v) => `${trim(Number(v) * 100)}%`,
  humanizeDuration: (v) => humanizeDuration(Number(v)),
  toUpper: (v) => String(v).toUpperCase(),
  toLower: (v) => String(v).toLowerCase(),
  title: (v) => String(v).replace(/\b\w/g, (c) => c.toUpperCase()),
};

function operand(tok: string, d: TemplateData): unknown {
  const t = tok.trim();
  if (t === '$value' || t === '.Value') return d.value;
  if (t === '$externalURL') return d.externalURL ?? '';
  const m = /^(?:\$labels|\.Labels)\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(t);
  if (m) return d.labels[m[1]] ?? '';
  const idx = /^index\s+(?:\$labels|\.Labels)\s+"([^"]*)"$/.exec(t);
  if (idx) return d.labels[idx[1]] ?? '';
  const q = /^"((?:[^"\\]|\\.)*)"$/.exec(t);
  if (q) return q[1];
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  throw new Error(`unknown template value ${t}`);
}

function evalAction(action: string, d: TemplateData): string {
  const stages = action.split('|').map((s) => s.trim());
  let val: unknown;
  const first = stages[0];
  const pf = /^printf\s+"((?:[^"\\]|\\.)*)"\s+(.+)$/.exec(first);
  if (pf) val = printf(pf[1], operand(pf[2], d));
  else {
    const call = /^([A-Za-z0-9]+)\s+(.+)$/.exec(first);
    if (call && FUNCS[call[1]]) val = FUNCS[call[1]](operand(call[2], d));
    else val = operand(first, d);
  }
  for (const stage of stages.slice(1)) {
    const pfs = /^printf\s+"((?:[^"\\]|\\.)*)"$/.exec(stage);
    if (pfs) val = printf(pfs[1], val);
    else if (FUNCS[stage]) val = FUNCS[stage](val);
    else throw new Error(`unknown template function ${stage}`);
  }
  return typeof val === 'number' ? formatNumber(val) : String(val);
}

/** Expands `{{ … }}` actions in `text`; a broken action renders as `<error: …>`. */
export function expandTemplate(text: string, d: TemplateData): string {
  if (!text.includes('{{')) return text;
  return text.replace(/\{\{-?\s*([\s\S]*?)\s*-?\}\}/g, (_, action: string) => {
    try {
      return evalAction(action, d);
    } catch (e) {
      return `<error: ${(e as Error).message}>`;
    }
  });
}

/** Problems with the template syntax of `text` (checked at plan time with dummy data). */
export function templateProblems(text: string): string[] {
  const out: string[] = [];
  const rendered = expandTemplate(text, { labels: {}, value: 0 });
  for (const m of rendered.matchAll(/<error: ([^>]*)>/g)) out.push(m[1]);
  if (/\{\{(?![\s\S]*?\}\})/.test(text)) out.push('unclosed {{');
  return out;
}
