/**
 * The pure heart of `vigil plan`: compares the running Vigil's objects with the plan's desired
 * objects and lists what apply would create, update, delete or adopt, in apply order.
 */
import { defaultRegistry } from './registry.ts';
import type { CurrentObject, PlanChange, PlanObject, PruneSetting } from './types.ts';

/** Options of `diffPlan`. */
export interface DiffOptions {
  /** Delete unmanaged objects absent from the plan: all (`true`) or only these kinds. */
  prune: PruneSetting;
  /** Kind dependency order; defaults to the registry's `kindOrder()`. */
  kindOrder?: string[];
}

type Plain = Record<string, unknown>;

/** Drops null/undefined fields recursively: absent, null and undefined all mean "not set". */
export function normaliseSpec(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normaliseSpec);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Plain = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Plain)[k];
      if (v !== null && v !== undefined) out[k] = normaliseSpec(v);
    }
    return out;
  }
  return value;
}

/** Structural equality of normalised specs (key order does not matter). */
export function specEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(normaliseSpec(a)) === JSON.stringify(normaliseSpec(b));
}

function isPlain(v: unknown): v is Plain {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** Field-level differences; nested mappings recurse, lists and scalars compare as a whole. */
export function diffFields(
  before: unknown,
  after: unknown,
  prefix = '',
): Array<{ path: string; before: unknown; after: unknown }> {
  const b = normaliseSpec(before);
  const a = normaliseSpec(after);
  if (isPlain(b) && isPlain(a)) {
    const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].sort();
    return keys.flatMap((k) => diffFields(b[k], a[k], prefix ? `${prefix}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [{ path: prefix, before: b, after: a }];
}

function prunes(prune: PruneSetting, kind: string): boolean {
  return prune === true || (Array.isArray(prune) && prune.includes(kind));
}

function sourceOf(o: PlanObject): string {
  return `${o.source.file}:${o.source.line}`;
}

/**
 * Computes the changes that turn `current` into `desired`.
 * - in the plan, not running → create; running and managed → update/noop;
 *   running but unmanaged (created through the API) → adopt (with field changes, if any);
 * - running and managed, not in the plan → delete;
 * - running and unmanaged, not in the plan → kept, unless `prune` is true or lists the kind.
 * Creates, updates and adopts come first in dependency order; deletes follow in reverse order.
 */
export function diffPlan(current: CurrentObject[], desired: PlanObject[], opts: DiffOptions): PlanChange[] {
  const order = opts.kindOrder ?? defaultRegistry.kindOrder();
  const id = (kind: string, key: string) => `${kind}\u0000${key}`;
  const running = new Map<string, CurrentObject>();
  for (const c of current) if (!running.has(id(c.kind, c.key))) running.set(id(c.kind, c.key), c);
  const wanted = new Set<string>();
  const forward: PlanChange[] = [];
  const deletes: PlanChange[] = [];

  for (const d of desired) {
    const k = id(d.kind, d.key);
    if (wanted.has(k)) continue; // the loader reports duplicates; keep the first
    wanted.add(k);
    const c = running.get(k);
    const after = normaliseSpec(d.spec) as Plain;
    if (!c) {
      forward.push({ action: 'create', kind: d.kind, key: d.key, after, source: sourceOf(d) });
      continue;
    }
    const before = normaliseSpec(c.spec) as Plain;
    const fields = diffFields(before, after);
    const action = !c.managed ? 'adopt' : fields.length > 0 ? 'update' : 'noop';
    forward.push({ action, kind: d.kind, key: d.key, before, after, fields, source: sourceOf(d) });
  }
  for (const c of running.values()) {
    if (wanted.has(id(c.kind, c.key))) continue;
    if (!c.managed && !prunes(opts.prune, c.kind)) continue;
    deletes.push({
      action: 'delete',
      kind: c.kind,
      key: c.key,
      before: normaliseSpec(c.spec) as Plain,
      ...(c.source ? { source: c.source } : {}),
    });
  }
  const rank = (kind: string) => {
    const i = order.indexOf(kind);
    return i === -1 ? order.length : i;
  };
  const byKindThenKey = (dir: 1 | -1) => (x: PlanChange, y: PlanChange) =>
    dir * (rank(x.kind) - rank(y.kind)) ||
    (x.kind < y.kind ? -dir : x.kind > y.kind ? dir : 0) ||
    (x.key < y.key ? -1 : x.key > y.key ? 1 : 0);
  return [...forward.sort(byKindThenKey(1)), ...deletes.sort(byKindThenKey(-1))];
}

/** Counts per action (noops included), e.g. for a summary or an API response. */
export function summarise(changes: readonly PlanChange[]): Record<PlanChange['action'], number> {
  const out = { create: 0, update: 0, delete: 0, adopt: 0, noop: 0 };
  for (const c of changes) out[c.action]++;
  return out;
}
