/**
 * The `flags:` section of the ops plan: conventions (checked here, at validate time), segments and
 * flags. Flags and segments become catalog objects (kinds `flag`, `segment`); conventions are
 * also stored as the `flag_conventions` singleton: they gate the plan (WT-4: names, required tags,
 * default off in prod), and the console and the flag views check API-made flags against them.
 */
import { registerSection } from '../../plan/index.ts';
import type { PlanObject } from '../../plan/types.ts';
import { digestProblems, digestReferences, flagReferences } from './kinds.ts';
import {
  checkConventions,
  type FlagDigestSpec,
  type FlagPlan,
  FlagPlanSchema,
  type FlagSpec,
  planToFlags,
} from './plan.ts';

registerSection<FlagPlan>({
  key: 'flags',
  kinds: ['flag_conventions', 'flag_digest', 'segment', 'flag'],
  schema: FlagPlanSchema,
  singleton: true,
  description:
    'Feature flags: conventions, weekly digest, segments, flags, staged rollouts and kill-switch triggers.',
  toObjects(value, ctx) {
    const translated = planToFlags(value);
    for (const p of translated.problems) ctx.error(p.path, p.message);
    if (value.conventions) {
      for (const p of checkConventions(translated.flags, value.conventions)) {
        ctx.error(p.path, `convention: ${p.message}`);
      }
    }
    const out: PlanObject[] = [];
    if (value.conventions) {
      out.push(
        ctx.object('flag_conventions', 'default', value.conventions as Record<string, unknown>, [
          'conventions',
        ]),
      );
    }
    if (value.digest) {
      for (const problem of digestProblems(value.digest)) ctx.error('digest.time_zone', problem);
      out.push(ctx.object('flag_digest', 'default', value.digest as Record<string, unknown>, ['digest']));
    }
    (value.segments ?? []).forEach((s, i) => {
      const { key, ...spec } = s;
      out.push(ctx.object('segment', key, spec as Record<string, unknown>, ['segments', i]));
    });
    (value.flags ?? []).forEach((f, i) => {
      const { key, ...spec } = f;
      out.push(ctx.object('flag', key, spec as Record<string, unknown>, ['flags', i]));
    });
    return out;
  },
  references: (obj) =>
    obj.kind === 'flag'
      ? flagReferences(obj.spec as FlagSpec).map((r) => ({ kind: r.kind, key: r.key, path: r.field }))
      : obj.kind === 'flag_digest'
        ? digestReferences(obj.spec as FlagDigestSpec).map((r) => ({
            kind: r.kind,
            key: r.key,
            path: r.field,
          }))
        : [],
});
