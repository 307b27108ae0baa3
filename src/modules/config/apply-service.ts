/**
 * Plan and apply: compares the desired objects of an ops plan with the running Vigil and applies
 * the difference in ONE transaction (all or nothing), recording who applied what. Objects created
 * from the plan become managed (read-only through the API).
 */
import type { Db } from '../../db/db.ts';
import { inTransaction } from '../../db/tx.ts';
import type { Clock } from '../../kernel/clock.ts';
import { invalid, VigilError } from '../../kernel/errors.ts';
import { newId } from '../../kernel/ids.ts';
import {
  diffPlan,
  type PlanChange,
  type PlanObject,
  type PruneSetting,
  renderPlan,
} from '../../plan/index.ts';
import type { AuditLog } from '../audit/audit.ts';
import type { ActorContext, CatalogService } from '../catalog/catalog-service.ts';
import { catalogStore } from '../catalog/catalog-store.ts';
import { allKinds, getKind } from '../catalog/kinds.ts';

export interface PlanRequest {
  objects: PlanObject[];
  prune: PruneSetting;
  files: string[];
}

export interface PlanResult {
  changes: PlanChange[];
  text: string;
  summary: Record<'create' | 'update' | 'delete' | 'adopt' | 'noop', number>;
}

const sourceOf = (o: PlanObject) => `${o.source.file}:${o.source.line}`;

function summarize(changes: PlanChange[]): PlanResult['summary'] {
  const s = { create: 0, update: 0, delete: 0, adopt: 0, noop: 0 };
  for (const c of changes) s[c.action]++;
  return s;
}

export class ApplyService {
  constructor(
    private db: Db,
    private clock: Clock,
    private catalog: CatalogService,
    private audit: AuditLog,
  ) {}

  /** Validates every desired object against its kind's schema; throws 400 listing all problems. */
  private check(req: PlanRequest): void {
    const problems: Array<{ kind: string; key: string; source: string; message: string }> = [];
    const seen = new Set<string>();
    for (const o of req.objects) {
      const id = `${o.kind}/${o.key}`;
      if (!getKind(o.kind)) {
        problems.push({ kind: o.kind, key: o.key, source: sourceOf(o), message: `unknown kind "${o.kind}"` });
        continue;
      }
      if (seen.has(id))
        problems.push({ kind: o.kind, key: o.key, source: sourceOf(o), message: 'declared twice' });
      seen.add(id);
      try {
        this.catalog.validate(o.kind, o.key, o.spec);
      } catch (err) {
        problems.push({ kind: o.kind, key: o.key, source: sourceOf(o), message: (err as Error).message });
      }
    }
    if (problems.length) {
      throw invalid(
        `the plan has ${problems.length} invalid object(s): ${problems.map((p) => `${p.source} ${p.kind} "${p.key}": ${p.message}`).join('; ')}`,
        { problems },
      );
    }
  }

  /** What `apply` would do, without writing. */
  async plan(req: PlanRequest): Promise<PlanResult> {
    this.check(req);
    const current = await this.catalog.snapshot(allKinds().map((k) => k.kind));
    const changes = diffPlan(
      current.map((o) => ({
        kind: o.kind,
        key: o.key,
        spec: o.spec,
        managed: o.managed,
        source: o.source ?? undefined,
      })),
      req.objects,
      { prune: req.prune, kindOrder: allKinds().map((k) => k.kind) },
    );
    return { changes, text: renderPlan(changes), summary: summarize(changes) };
  }

  /** Applies the plan atomically; returns the changes made and the apply record id. */
  async apply(ctx: ActorContext, req: PlanRequest): Promise<PlanResult & { applyId: string }> {
    this.check(req);
    const applyId = newId(this.clock);
    const byId = new Map(req.objects.map((o) => [`${o.kind}/${o.key}`, o]));
    const result = await inTransaction(this.db, async (tx) => {
      const current = await catalogStore.listKinds(
        tx,
        allKinds().map((k) => k.kind),
      );
      const changes = diffPlan(
        current.map((o) => ({
          kind: o.kind,
          key: o.key,
          spec: o.spec,
          managed: o.managed,
          source: o.source ?? undefined,
        })),
        req.objects,
        { prune: req.prune, kindOrder: allKinds().map((k) => k.kind) },
      );
      const actx = { ...ctx, actor: ctx.actor.startsWith('plan') ? ctx.actor : `plan:${ctx.actor}` };
      const deletes = new Set(changes.filter((c) => c.action === 'delete').map((c) => `${c.kind}/${c.key}`));
      // Deletes first, dependents before what they depend on; then upserts in dependency order.
      for (const c of [...changes].reverse()) {
        if (c.action === 'delete') await this.catalog.removeObject(tx, actx, c.kind, c.key, deletes);
      }
      for (const c of changes) {
        if (c.action === 'create' || c.action === 'update' || c.action === 'adopt') {
          const o = byId.get(`${c.kind}/${c.key}`)!;
          await this.catalog.applyObject(tx, actx, c.kind, c.key, o.spec, {
            managed: true,
            source: sourceOf(o),
          });
        } else if (c.action === 'noop') {
          // Keep the recorded source location current even when nothing else changed.
          const o = byId.get(`${c.kind}/${c.key}`);
          if (o) {
            await tx.db
              .updateTable('config_objects')
              .set({ source: sourceOf(o), managed: 1 })
              .where('kind', '=', c.kind)
              .where('key', '=', c.key)
              .execute();
          }
        }
      }
      // Every reference must resolve in the final state (to a plan object or an existing one).
      for (const o of req.objects) {
        for (const ref of getKind(o.kind)!.references?.(o.spec) ?? []) {
          if (!(await catalogStore.get(tx, ref.kind, ref.key))) {
            throw new VigilError(
              400,
              'dangling-reference',
              `${sourceOf(o)}: ${o.kind} "${o.key}" field ${ref.field} refers to unknown ${ref.kind} "${ref.key}"`,
            );
          }
        }
      }
      const summary = summarize(changes);
      await tx.db
        .insertInto('plan_applies')
        .values({
          id: applyId,
          at: this.clock.now(),
          actor: ctx.actor,
          files: JSON.stringify(req.files),
          summary: JSON.stringify(summary),
          changes: JSON.stringify(changes.filter((c) => c.action !== 'noop')),
        })
        .execute();
      await this.audit.append(tx, {
        ...ctx,
        action: 'plan.apply',
        object: { kind: 'plan', key: applyId },
        after: { files: req.files, summary },
      });
      return { changes, summary };
    });
    return { ...result, text: renderPlan(result.changes), applyId };
  }

  /** Recent applies, newest first. */
  async history(limit = 20) {
    const rows = await this.db.kysely
      .selectFrom('plan_applies')
      .selectAll()
      .orderBy('at', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      at: new Date(Number(r.at)).toISOString(),
      actor: r.actor,
      files: JSON.parse(r.files),
      summary: JSON.parse(r.summary),
    }));
  }
}
