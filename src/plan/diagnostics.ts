/** Compiler-style rendering of plan diagnostics and "did you mean" suggestions. */
import { closest, distance } from 'fastest-levenshtein';
import type { PlanDiagnostic } from './types.ts';

/** The closest candidate to `word` when it is plausibly a typo (small edit distance), else undefined. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0 || word === '') return undefined;
  const best = closest(word.toLowerCase(), candidates as string[]);
  const d = distance(word.toLowerCase(), best);
  // Allow about one edit per three characters, at least two: "ownr"→"owner", not "foo"→"name".
  return d <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

/** Orders diagnostics by file, line, column so output is stable. */
export function sortDiagnostics(diags: PlanDiagnostic[]): PlanDiagnostic[] {
  return [...diags].sort(
    (a, b) =>
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      a.line - b.line ||
      a.column - b.column ||
      (a.message < b.message ? -1 : a.message > b.message ? 1 : 0),
  );
}

const ANSI = {
  red: '\x1b[31m',
  yellow: '\x1b[33m',
  cyan: '\x1b[36m',
  bold: '\x1b[1m',
  dim: '\x1b[2m',
  reset: '\x1b[0m',
};

/**
 * Renders diagnostics like a compiler: `vigil.yaml:12:5: error: unknown key "ownr" in service —
 * did you mean "owner"?`, then the source line with a caret, the expectation and the hint.
 */
export function formatDiagnostics(diags: readonly PlanDiagnostic[], opts: { color?: boolean } = {}): string {
  const c = (code: keyof typeof ANSI, s: string) => (opts.color ? `${ANSI[code]}${s}${ANSI.reset}` : s);
  const out: string[] = [];
  for (const d of diags) {
    const sev = d.severity === 'error' ? c('red', 'error') : c('yellow', 'warning');
    out.push(`${c('bold', `${d.file}:${d.line}:${d.column}`)}: ${sev}: ${d.message}`);
    if (d.excerpt !== undefined) {
      const gutter = String(d.line).padStart(4);
      out.push(`${c('dim', `${gutter} |`)} ${d.excerpt.replace(/\t/g, ' ')}`);
      out.push(
        `${c('dim', `${' '.repeat(gutter.length)} |`)} ${' '.repeat(caretIndent(d.excerpt, d.column))}${c('red', '^')}`,
      );
    }
    if (d.expected) out.push(`  expected: ${d.expected}`);
    if (d.hint) out.push(`  ${c('cyan', 'hint')}: ${d.hint}`);
  }
  const errors = diags.filter((d) => d.severity === 'error').length;
  const warnings = diags.length - errors;
  if (diags.length > 0) {
    out.push('');
    out.push(`${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`);
  }
  return out.join('\n');
}

function caretIndent(line: string, column: number): number {
  // Keep tabs so the caret lines up under tab-indented text in terminals.
  return Math.max(0, Math.min(column - 1, line.length));
}
