/** Persistence of configuration objects (one table, keyed by kind + key, optimistic versions). */

import type { ConfigObjectRow } from '../../db/schema.ts';
import type { Tx } from '../../db/tx.ts';

export interface ConfigObject<S = Record<string, unknown>> {
  id: string;
  kind: string;
  key: string;
  spec: S;
  managed: boolean;
  source: string | null;
  version: number;
  createdAt: number;
  updatedAt: number;
}

export function toObject(r: ConfigObjectRow): ConfigObject {
  return {
    id: r.id,
    kind: r.kind,
    key: r.key,
    spec: JSON.parse(r.spec),
    managed: Number(r.managed) === 1,
    source: r.source,
    version: Number(r.version),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

export const catalogStore = {
  async get(tx: Tx, kind: string, key: string): Promise<ConfigObject | undefined> {
    const r = await tx.db
      .selectFrom('config_objects')
      .selectAll()
      .where('kind', '=', kind)
      .where('key', '=', key)
      .executeTakeFirst();
    return r ? toObject(r) : undefined;
  },

  async listKind(tx: Tx, kind: string, afterKey?: string): Promise<ConfigObject[]> {
    let q = tx.db.selectFrom('config_objects').selectAll().where('kind', '=', kind).orderBy('key', 'asc');
    if (afterKey !== undefined) q = q.where('key', '>', afterKey);
    return (await q.execute()).map(toObject);
  },

  async listKinds(tx: Tx, kinds: string[]): Promise<ConfigObject[]> {
    if (kinds.length === 0) return [];
    const rows = await tx.db
      .selectFrom('config_objects')
      .selectAll()
      .where('kind', 'in', kinds)
      .orderBy('kind')
      .orderBy('key')
      .execute();
    return rows.map(toObject);
  },

  async insert(tx: Tx, o: ConfigObject): Promise<void> {
    await tx.db
      .insertInto('config_objects')
      .values({
        id: o.id,
        kind: o.kind,
        key: o.key,
        spec: JSON.stringify(o.spec),
        managed: o.managed ? 1 : 0,
        source: o.source,
        version: o.version,
        created_at: o.createdAt,
        updated_at: o.updatedAt,
      })
      .execute();
  },

  /** Updates when the stored version is `expectVersion`; returns false on a lost race. */
  async update(tx: Tx, o: ConfigObject, expectVersion: number): Promise<boolean> {
    const res = await tx.db
      .updateTable('config_objects')
      .set({
        spec: JSON.stringify(o.spec),
        managed: o.managed ? 1 : 0,
        source: o.source,
        version: o.version,
        updated_at: o.updatedAt,
      })
      .where('kind', '=', o.kind)
      .where('key', '=', o.key)
      .where('version', '=', expectVersion)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  },

  async delete(tx: Tx, kind: string, key: string): Promise<void> {
    await tx.db.deleteFrom('config_objects').where('kind', '=', kind).where('key', '=', key).execute();
  },
};
