/** Loading flag definitions and segments from the catalog inside a caller's transaction. */
import type { Tx } from '../../db/tx.ts';
import type { ConfigObject } from '../catalog/catalog-store.ts';
import { catalogStore } from '../catalog/catalog-store.ts';
import type { FlagDefinition } from './effective.ts';
import type { Segment } from './flag.ts';
import { type FlagSpec, flagFromSpec, type SegmentSpec, segmentFromSpec } from './plan.ts';

/** A catalog `flag` object as a definition. */
export function toDefinition(o: ConfigObject): FlagDefinition {
  const { flag, rollouts, triggers } = flagFromSpec(o.key, o.spec as unknown as FlagSpec);
  return {
    flag,
    rollouts,
    triggers,
    managed: o.managed,
    source: o.source,
    version: o.version,
    createdAt: o.createdAt,
    updatedAt: o.updatedAt,
  };
}

/** Every flag definition, by key. */
export async function loadDefinitions(tx: Tx): Promise<Map<string, FlagDefinition>> {
  const objs = await catalogStore.listKinds(tx, ['flag']);
  return new Map(objs.map((o) => [o.key, toDefinition(o)]));
}

/** One flag definition, or undefined. */
export async function loadDefinition(tx: Tx, key: string): Promise<FlagDefinition | undefined> {
  const o = await catalogStore.get(tx, 'flag', key);
  return o ? toDefinition(o) : undefined;
}

/** Every segment. */
export async function loadSegments(tx: Tx): Promise<Segment[]> {
  const objs = await catalogStore.listKinds(tx, ['segment']);
  return objs.map((o) => segmentFromSpec(o.key, o.spec as unknown as SegmentSpec));
}

/** A read-only unit of work on the main handle (no transaction). */
export const readTx = (db: { kysely: unknown }): Tx => ({ db: db.kysely as Tx['db'], afterCommit: () => {} });
