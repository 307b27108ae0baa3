/**
 * The hot path's state: each environment's flag set compiled once (definitions + overrides +
 * rollout percentages) with a content ETag and the serialised document the SDK downloads, and a
 * cache of client keys. A change on this replica (any committed event about a flag or segment)
 * invalidates at once; other replicas pick changes up within REFRESH_MS (stale-while-revalidate).
 * Evaluation requests never read the store.
 */
import { createHash } from 'node:crypto';
import type { Db } from '../../db/db.ts';
import type { Clock } from '../../kernel/clock.ts';
import { loadDefinitions, loadSegments, readTx } from './definitions.ts';
import { effectiveFlag, type FlagDefinition, type Override, type RolloutRecord } from './effective.ts';
import { type CompiledFlagSet, compileFlagSet } from './evaluate.ts';
import type { Flag, Segment } from './flag.ts';
import { type ClientKey, flagsStore } from './store.ts';

/** How long a compiled set is served before it is rebuilt in the background (cross-replica changes). */
export const REFRESH_MS = 5_000;
const KEY_TTL_MS = 30_000;
const NEGATIVE_TTL_MS = 5_000;
const KEY_CACHE_MAX = 10_000;

/** The document `GET /api/v1/flag-sets/{env}` serves and the SDK evaluates locally. */
export interface FlagSetDocument {
  env: string;
  etag: string;
  flags: Flag[];
  segments: Segment[];
}

/** One environment's compiled flags. */
export interface EnvFlagSet {
  env: string;
  set: CompiledFlagSet;
  /** Quoted strong ETag of the served configuration (same on every replica). */
  etag: string;
  /** Keys evaluated by OFREP bulk requests (archived flags left out). */
  liveKeys: string[];
  /** Serialised FlagSetDocument. */
  document: string;
}

/** Builds the served flags of one environment from definitions and runtime state. */
export function servedFlags(
  defs: Map<string, FlagDefinition>,
  overrides: Override[],
  rollouts: RolloutRecord[],
  env: string,
): Flag[] {
  const ov = new Map<string, Map<string, Override>>();
  for (const o of overrides) {
    if (o.env !== env) continue;
    ov.set(o.flag, new Map([[o.env, o]]));
  }
  const ro = new Map<string, Map<string, RolloutRecord>>();
  for (const r of rollouts) {
    if (r.env !== env) continue;
    ro.set(r.flag, new Map([[r.env, r]]));
  }
  const out: Flag[] = [];
  for (const def of [...defs.values()].sort((a, b) => a.flag.key.localeCompare(b.flag.key))) {
    out.push(effectiveFlag(def, ov.get(def.flag.key) ?? new Map(), ro.get(def.flag.key) ?? new Map()));
  }
  return out;
}

/** Compiles a served flag list into an EnvFlagSet with its ETag and document. */
export function buildEnvSet(env: string, flags: Flag[], segments: Segment[]): EnvFlagSet {
  const body = JSON.stringify({ flags, segments });
  const etag = `"${createHash('sha256').update(env).update('\0').update(body).digest('base64url').slice(0, 27)}"`;
  const doc: FlagSetDocument = { env, etag, flags, segments };
  return {
    env,
    set: compileFlagSet(flags, segments, env),
    etag,
    liveKeys: flags.filter((f) => !f.archived).map((f) => f.key),
    document: JSON.stringify(doc),
  };
}

interface Entry {
  value: EnvFlagSet | null;
  gen: number;
  builtAt: number;
  building: Promise<EnvFlagSet> | null;
}

/** Per-environment compiled sets, rebuilt on invalidation; and the client-key cache. */
export class FlagRuntimeCache {
  private gen = 0;
  private entries = new Map<string, Entry>();
  /** Presented secret → key (null = refused), with an expiry; cleared on revocation. */
  private keys = new Map<string, { key: ClientKey | null; until: number }>();

  constructor(
    private db: Db,
    private clock: Clock,
  ) {}

  /** Drops every compiled set (a flag, segment, override or rollout changed). */
  invalidate(): void {
    this.gen++;
  }

  /** The compiled set of `env`: synchronous when fresh, awaited after an invalidation. */
  get(env: string): EnvFlagSet | Promise<EnvFlagSet> {
    const e = this.entries.get(env);
    const now = this.clock.now();
    if (e?.value && e.gen === this.gen) {
      if (now - e.builtAt >= REFRESH_MS && !e.building) void this.rebuild(env, e).catch(() => {});
      return e.value;
    }
    const entry = e ?? { value: null, gen: -1, builtAt: 0, building: null };
    this.entries.set(env, entry);
    return this.rebuild(env, entry);
  }

  private rebuild(env: string, entry: Entry): Promise<EnvFlagSet> {
    if (entry.building && entry.gen === this.gen) return entry.building;
    const gen = this.gen;
    const p = (async () => {
      const tx = readTx(this.db);
      const [defs, segments, overrides, rollouts] = await Promise.all([
        loadDefinitions(tx),
        loadSegments(tx),
        flagsStore.overrides(tx),
        flagsStore.rollouts(tx),
      ]);
      const built = buildEnvSet(env, servedFlags(defs, overrides, rollouts, env), segments);
      // Only publish what was read after the latest invalidation; otherwise the next call rebuilds.
      if (gen === this.gen) {
        entry.value = built;
        entry.gen = gen;
        entry.builtAt = this.clock.now();
      }
      return built;
    })();
    entry.building = p;
    const clear = () => {
      if (entry.building === p) entry.building = null;
    };
    p.then(clear, clear);
    return p;
  }

  /** Resolves a presented client key to its (unrevoked) record, caching hits and misses briefly. */
  async authenticate(secret: string): Promise<ClientKey | null> {
    const now = this.clock.now();
    const hit = this.keys.get(secret);
    if (hit && hit.until > now) return hit.key;
    const key = (await flagsStore.keyByHash(readTx(this.db), hashClientKey(secret))) ?? null;
    const valid = key && key.revokedAt === null ? key : null;
    if (this.keys.size >= KEY_CACHE_MAX) this.keys.clear();
    this.keys.set(secret, { key: valid, until: now + (valid ? KEY_TTL_MS : NEGATIVE_TTL_MS) });
    return valid;
  }

  /**
   * Synchronous cache lookup for the hot path (undefined = not cached, ask `authenticate`). Keyed
   * by the presented secret so a hit costs no hashing; entries live KEY_TTL_MS at most.
   */
  cachedKey(secret: string): ClientKey | null | undefined {
    const hit = this.keys.get(secret);
    return hit && hit.until > this.clock.now() ? hit.key : undefined;
  }

  /** Forgets cached keys (after a revocation on this replica). */
  forgetKeys(): void {
    this.keys.clear();
  }
}

/** SHA-256 of a client key (what the store keeps). */
export function hashClientKey(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
