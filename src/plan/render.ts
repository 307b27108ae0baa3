/** Human-readable rendering of a plan diff, in the spirit of `terraform plan`. */
import { summarise } from './diff.ts';
import type { PlanChange } from './types.ts';

const ANSI = {
  green: '\x1b[32m',
  yellow: '\x1b[33m',
  red: '\x1b[31m',
  cyan: '\x1b[36m',
  dim: '\x1b[2m',
  reset: '\x1b[0m',
};
const SYMBOL = { create: '+', update: '~', delete: '-', adopt: '>', noop: ' ' } as const;
const COLOUR = { create: 'green', update: 'yellow', delete: 'red', adopt: 'cyan', noop: 'dim' } as const;

/** A value as it appears in the plan output (JSON, so strings are quoted and lists stay on one line). */
function show(v: unknown): string {
  return v === undefined ? '(unset)' : JSON.stringify(v);
}

function flatten(spec: Record<string, unknown>, prefix = ''): Array<[string, unknown]> {
  return Object.entries(spec).flatMap(([k, v]) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? flatten(v as Record<string, unknown>, `${prefix}${k}.`)
      : [[`${prefix}${k}`, v] as [string, unknown]],
  );
}

/**
 * Renders changes like:
 * ```
 *   + service "api"
 *       name: "API"
 *   ~ team "platform"
 *       ~ name: "Plat" → "Platform"
 *   - environment "qa"
 *
 * Plan: 1 to create, 1 to change, 1 to delete, 0 to adopt.
 * ```
 * Unchanged objects are left out; with no changes at all the output is `No changes. …`.
 */
export function renderPlan(changes: readonly PlanChange[], opts: { color?: boolean } = {}): string {
  const c = (code: keyof typeof ANSI, s: string) => (opts.color ? `${ANSI[code]}${s}${ANSI.reset}` : s);
  const n = summarise(changes);
  if (n.create + n.update + n.delete + n.adopt === 0) {
    return `No changes. The running Vigil matches the plan (${n.noop} object${n.noop === 1 ? '' : 's'}).`;
  }
  const lines: string[] = ['Vigil will perform the following actions:', ''];
  for (const ch of changes) {
    if (ch.action === 'noop') continue;
    const colour = COLOUR[ch.action];
    const note = ch.action === 'adopt' ? ' will be adopted (managed by the plan from now on)' : '';
    const where = ch.source ? c('dim', `  # ${ch.source}`) : '';
    lines.push(`  ${c(colour, `${SYMBOL[ch.action]} ${ch.kind} "${ch.key}"`)}${note}${where}`);
    if (ch.action === 'create') {
      for (const [path, v] of flatten(ch.after ?? {})) lines.push(`      ${path}: ${show(v)}`);
    } else if (ch.action === 'update' || ch.action === 'adopt') {
      for (const f of ch.fields ?? []) {
        if (f.before === undefined) lines.push(`      ${c('green', '+')} ${f.path}: ${show(f.after)}`);
        else if (f.after === undefined) lines.push(`      ${c('red', '-')} ${f.path}: ${show(f.before)}`);
        else lines.push(`      ${c('yellow', '~')} ${f.path}: ${show(f.before)} → ${show(f.after)}`);
      }
    }
  }
  lines.push('');
  lines.push(
    `Plan: ${n.create} to create, ${n.update} to change, ${n.delete} to delete, ${n.adopt} to adopt.`,
  );
  return lines.join('\n');
}
