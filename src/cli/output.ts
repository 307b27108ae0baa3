/** Prints results as JSON or an aligned table. */
export type OutputFormat = 'table' | 'json';

function cell(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (Array.isArray(v))
    return v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(',') || '-';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Renders rows as a table with the given columns (default: the keys of the first row). */
export function renderTable(rows: Array<Record<string, unknown>>, columns?: string[]): string {
  if (rows.length === 0) return '(none)';
  const cols = columns ?? Object.keys(rows[0]);
  const data = rows.map((r) => cols.map((c) => cell(r[c])));
  const widths = cols.map((c, i) => Math.min(60, Math.max(c.length, ...data.map((d) => d[i].length))));
  const line = (vals: string[]) =>
    vals
      .map((v, i) => (v.length > widths[i] ? `${v.slice(0, widths[i] - 1)}…` : v.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(cols.map((c) => c.toUpperCase())), ...data.map(line)].join('\n');
}

export function print(format: OutputFormat, value: unknown, columns?: string[]): void {
  if (format === 'json') {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    return;
  }
  const rows = Array.isArray(value)
    ? value
    : value && typeof value === 'object' && Array.isArray((value as any).items)
      ? (value as any).items
      : null;
  if (rows) process.stdout.write(`${renderTable(rows, columns)}\n`);
  else process.stdout.write(`${renderTable([value as Record<string, unknown>])}\n`);
}
