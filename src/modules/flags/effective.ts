/**
 * What a flag serves at run time: its definition (owned by the plan or the API) combined with the
 * runtime state owned by this module — a kill-switch override per environment and the staged
 * rollout's current percentage. Pure functions; the service loads the inputs.
 *
 * Precedence: definition → staged rollout percentage (once started) → override (a kill switch
 * always wins). An override counts only while the definition's declared `enabled` for that
 * environment is the one it was set against (its `basis`): changing the plan's declared state is a
 * newer decision and retires the override; re-applying an unchanged plan does not.
 */
import type { Flag } from './flag.ts';
import { flagPercentages } from './lifecycle.ts';
import type { FlagTrigger, PlannedRollout } from './plan.ts';
import { type RolloutState, rolloutPercentage, withRolloutPercentage } from './rollout.ts';

/** An operator's (or a trigger's) on/off decision for one flag in one environment. */
export interface Override {
  flag: string;
  env: string;
  enabled: boolean;
  /** The declared `enabled` when the override was set; the override lapses when that changes. */
  basis: boolean;
  reason: string;
  actor: string;
  incident: string | null;
  at: number;
}

/** Stored state of a staged rollout. */
export interface RolloutRecord {
  flag: string;
  env: string;
  state: RolloutState;
  actor: string;
}

/** A flag definition from the catalog with what its spec declares beyond the evaluation model. */
export interface FlagDefinition {
  flag: Flag;
  rollouts: PlannedRollout[];
  triggers: FlagTrigger[];
  managed: boolean;
  source: string | null;
  version: number;
  createdAt: number;
  updatedAt: number;
}

/** The `enabled` the definition declares for `env` (an unconfigured environment is off). */
export function declaredEnabled(flag: Flag, env: string): boolean {
  return flag.environments[env]?.enabled ?? false;
}

/** The override for (flag, env) if it still applies (its basis equals the declared state). */
export function activeOverride(flag: Flag, env: string, o: Override | undefined): Override | undefined {
  return o && o.basis === declaredEnabled(flag, env) ? o : undefined;
}

/** The flag as served: rollout percentages and active overrides folded into its environments. */
export function effectiveFlag(
  def: FlagDefinition,
  overrides: ReadonlyMap<string, Override>,
  rollouts: ReadonlyMap<string, RolloutRecord>,
): Flag {
  let f = def.flag;
  for (const r of def.rollouts) {
    const rec = rollouts.get(r.env);
    if (!rec || rec.state.status === 'pending') continue;
    try {
      f = withRolloutPercentage(f, r.env, rolloutPercentage(rec.state, r.plan), r.bucketBy);
    } catch {
      // A flag without true/false variants cannot be rolled out by percentage; the kind check
      // rejects such definitions, so this only guards against hand-edited stores.
    }
  }
  for (const [env, o] of overrides) {
    if (!activeOverride(def.flag, env, o)) continue;
    const cur = f.environments[env] ?? { enabled: false };
    f = { ...f, environments: { ...f.environments, [env]: { ...cur, enabled: o.enabled } } };
  }
  return f;
}

/** Per-environment "on" percentages of the served flag (null where users are targeted). */
export function servedPercentages(
  def: FlagDefinition,
  overrides: ReadonlyMap<string, Override>,
  rollouts: ReadonlyMap<string, RolloutRecord>,
): Record<string, number | null> {
  return flagPercentages(effectiveFlag(def, overrides, rollouts));
}
