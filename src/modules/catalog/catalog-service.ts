/**
 * Use cases for configuration objects: list/get/create/update/delete with schema validation,
 * reference checks, the managed-object rule, optimistic concurrency, audit and timeline events.
 * `vigil apply` uses `applyObject`/`removeObject`, which bypass the managed rule inside its own
 * transaction.
 */
import type { Db } from '../../db/db.ts';
import { inTransaction, type Tx } from '../../db/tx.ts';
import type { Clock } from '../../kernel/clock.ts';
import {
  conflict,
  invalid,
  managedByPlan,
  notFound,
  preconditionFailed,
  VigilError,
} from '../../kernel/errors.ts';
import { newId } from '../../kernel/ids.ts';
import { assertValid } from '../../kernel/validate.ts';
import type { AuditLog } from '../audit/audit.ts';
import type { Timeline } from '../timeline/timeline.ts';
import { type ConfigObject, catalogStore } from './catalog-store.ts';
import { allKinds, getKind, KEY_PATTERNS, type KindDef } from './kinds.ts';

/** Who is acting, for the audit trail. */
export interface ActorContext {
  actor: string;
  requestId?: string | null;
  sourceIp?: string | null;
}

export interface ListOptions {
  cursor?: string;
  limit?: number;
  filters?: Record<string, string>;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

const encodeCursor = (key: string) => Buffer.from(key, 'utf8').toString('base64url');
function decodeCursor(c: string): string {
  const s = Buffer.from(c, 'base64url').toString('utf8');
  if (!s || Buffer.from(s, 'utf8').toString('base64url') !== c) throw invalid(`invalid cursor "${c}"`);
  return s;
}

function matchesFilter(spec: Record<string, unknown>, field: string, want: string): boolean {
  const v = spec[field];
  if (Array.isArray(v)) return v.map(String).includes(want);
  return v !== undefined && String(v) === want;
}

export class CatalogService {
  constructor(
    private db: Db,
    private clock: Clock,
    private audit: AuditLog,
    private timeline: Timeline,
  ) {}

  kind(kind: string): KindDef {
    const def = getKind(kind);
    if (!def) throw notFound('kind', kind);
    return def;
  }

  async list(kind: string, opts: ListOptions = {}): Promise<Page<ConfigObject>> {
    const def = this.kind(kind);
    const limit = Math.min(Math.max(opts.limit ?? 50, 1), 500);
    const after = opts.cursor ? decodeCursor(opts.cursor) : undefined;
    for (const f of Object.keys(opts.filters ?? {})) {
      if (!def.filters?.includes(f)) {
        throw invalid(
          `unknown filter "${f}" for ${def.plural}; allowed: ${(def.filters ?? []).join(', ') || 'none'}`,
        );
      }
    }
    const rows = await catalogStore.listKind({ db: this.db.kysely, afterCommit: () => {} }, kind, after);
    const filtered = rows.filter((o) =>
      Object.entries(opts.filters ?? {}).every(([f, v]) => matchesFilter(o.spec, f, v)),
    );
    const items = filtered.slice(0, limit);
    return { items, nextCursor: filtered.length > limit ? encodeCursor(items[items.length - 1].key) : null };
  }

  async get(kind: string, key: string): Promise<ConfigObject> {
    const def = this.kind(kind);
    const o = await catalogStore.get({ db: this.db.kysely, afterCommit: () => {} }, kind, key);
    if (!o) throw notFound(def.label, key);
    return o;
  }

  /** Validates a spec for `kind` (schema, key style); throws 400 with every problem. */
  validate(kind: string, key: string, spec: unknown): void {
    const def = this.kind(kind);
    if (!KEY_PATTERNS[def.keyStyle].test(key)) {
      throw invalid(`invalid ${def.label} key "${key}"`, { expected: KEY_PATTERNS[def.keyStyle].source });
    }
    assertValid(def.spec, spec, def.label);
    const problems = def.check?.(spec, key) ?? [];
    if (problems.length) {
      throw new VigilError(
        400,
        'validation-failed',
        `invalid ${def.label} "${key}": ${problems.join('; ')}`,
        {
          errors: problems.map((message) => ({ path: '(root)', message })),
        },
      );
    }
  }

  private async checkReferences(tx: Tx, def: KindDef, spec: unknown): Promise<void> {
    for (const ref of def.references?.(spec) ?? []) {
      if (!(await catalogStore.get(tx, ref.kind, ref.key))) {
        const target = getKind(ref.kind)?.label ?? ref.kind;
        throw invalid(`${def.label} field ${ref.field} refers to unknown ${target} "${ref.key}"`, {
          field: ref.field,
        });
      }
    }
  }

  private async checkNotReferenced(tx: Tx, def: KindDef, key: string, ignore?: Set<string>): Promise<void> {
    const referencing = allKinds().filter((k) => k.references);
    const objs = await catalogStore.listKinds(
      tx,
      referencing.map((k) => k.kind),
    );
    for (const o of objs) {
      if (ignore?.has(`${o.kind}/${o.key}`)) continue;
      const refs = getKind(o.kind)!.references!(o.spec);
      if (refs.some((r) => r.kind === def.kind && r.key === key)) {
        throw conflict(`${def.label} "${key}" is still referenced by ${getKind(o.kind)!.label} "${o.key}"`, {
          referencedBy: { kind: o.kind, key: o.key },
        });
      }
    }
  }

  async create(
    ctx: ActorContext,
    kind: string,
    key: string,
    spec: Record<string, unknown>,
  ): Promise<ConfigObject> {
    const def = this.kind(kind);
    this.validate(kind, key, spec);
    return inTransaction(this.db, async (tx) => {
      if (await catalogStore.get(tx, kind, key)) throw conflict(`${def.label} "${key}" already exists`);
      await this.checkReferences(tx, def, spec);
      return this.applyObject(tx, ctx, kind, key, spec, { managed: false, source: null });
    });
  }

  async update(
    ctx: ActorContext,
    kind: string,
    key: string,
    spec: Record<string, unknown>,
    ifMatch?: number,
  ): Promise<ConfigObject> {
    const def = this.kind(kind);
    this.validate(kind, key, spec);
    return inTransaction(this.db, async (tx) => {
      const cur = await catalogStore.get(tx, kind, key);
      if (!cur) throw notFound(def.label, key);
      if (cur.managed) throw managedByPlan(def.label, key, cur.source);
      if (ifMatch !== undefined && ifMatch !== cur.version) {
        throw preconditionFailed(
          `${def.label} "${key}" has changed (version ${cur.version}, If-Match ${ifMatch})`,
        );
      }
      await this.checkReferences(tx, def, spec);
      return this.applyObject(tx, ctx, kind, key, spec, { managed: false, source: null });
    });
  }

  async delete(ctx: ActorContext, kind: string, key: string, ifMatch?: number): Promise<void> {
    const def = this.kind(kind);
    await inTransaction(this.db, async (tx) => {
      const cur = await catalogStore.get(tx, kind, key);
      if (!cur) throw notFound(def.label, key);
      if (cur.managed) throw managedByPlan(def.label, key, cur.source);
      if (ifMatch !== undefined && ifMatch !== cur.version) {
        throw preconditionFailed(
          `${def.label} "${key}" has changed (version ${cur.version}, If-Match ${ifMatch})`,
        );
      }
      await this.removeObject(tx, ctx, kind, key);
    });
  }

  /** Creates or replaces an object inside `tx` (no managed check: callers decide). */
  async applyObject(
    tx: Tx,
    ctx: ActorContext,
    kind: string,
    key: string,
    spec: Record<string, unknown>,
    meta: { managed: boolean; source: string | null },
  ): Promise<ConfigObject> {
    const def = this.kind(kind);
    const now = this.clock.now();
    const cur = await catalogStore.get(tx, kind, key);
    if (!cur) {
      const o: ConfigObject = {
        id: newId(this.clock),
        kind,
        key,
        spec,
        ...meta,
        version: 1,
        createdAt: now,
        updatedAt: now,
      };
      await catalogStore.insert(tx, o);
      await this.audit.append(tx, { ...ctx, action: `${kind}.create`, object: { kind, key }, after: spec });
      await this.timeline.append(tx, {
        type: `${kind}.created`,
        subject: { kind, key },
        actor: ctx.actor,
        data: { spec },
      });
      return o;
    }
    const next: ConfigObject = { ...cur, spec, ...meta, version: cur.version + 1, updatedAt: now };
    if (!(await catalogStore.update(tx, next, cur.version))) {
      throw conflict(`${def.label} "${key}" was changed concurrently; retry`);
    }
    await this.audit.append(tx, {
      ...ctx,
      action: `${kind}.update`,
      object: { kind, key },
      before: { spec: cur.spec, managed: cur.managed },
      after: { spec, managed: meta.managed },
    });
    await this.timeline.append(tx, {
      type: `${kind}.updated`,
      subject: { kind, key },
      actor: ctx.actor,
      data: { spec },
    });
    return next;
  }

  /** Deletes inside `tx` after checking nothing still refers to the object. */
  async removeObject(
    tx: Tx,
    ctx: ActorContext,
    kind: string,
    key: string,
    ignoreRefs?: Set<string>,
  ): Promise<void> {
    const def = this.kind(kind);
    const cur = await catalogStore.get(tx, kind, key);
    if (!cur) return;
    await this.checkNotReferenced(tx, def, key, ignoreRefs);
    await catalogStore.delete(tx, kind, key);
    await this.audit.append(tx, {
      ...ctx,
      action: `${kind}.delete`,
      object: { kind, key },
      before: cur.spec,
    });
    await this.timeline.append(tx, {
      type: `${kind}.deleted`,
      subject: { kind, key },
      actor: ctx.actor,
      data: {},
    });
  }

  /** Every object of the given kinds (for plan diffs). */
  async snapshot(kinds: string[]): Promise<ConfigObject[]> {
    return catalogStore.listKinds({ db: this.db.kysely, afterCommit: () => {} }, kinds);
  }
}
