/**
 * Plan sections `checks:` (kind `check`) and `heartbeats:` (kind `heartbeat`). The YAML fields
 * are the kind specs plus `key`; semantic problems (missing url, interval < 10s, bad cron)
 * are reported at the entry's position.
 */
import type { Static } from '@sinclair/typebox';
import { compact, List, Obj, registerSection, Slug } from '../../plan/index.ts';
import type { PlanObject } from '../../plan/types.ts';
import { CheckSpec, checkHeartbeatSpec, checkProbeSpec, HeartbeatSpec } from './kinds.ts';

const CheckEntry = Obj('check', {
  key: Slug('Stable identifier, e.g. "api-health".'),
  ...CheckSpec.properties,
});
const HeartbeatEntry = Obj('heartbeat', {
  key: Slug('Stable identifier, e.g. "nightly-backup".'),
  ...HeartbeatSpec.properties,
});
const ChecksSchema = List(CheckEntry, 'Active probes (HTTP, TCP, DNS, TLS).');
const HeartbeatsSchema = List(HeartbeatEntry, "Heartbeats (dead man's switches) pinged by jobs.");

const serviceRef = (obj: PlanObject) =>
  obj.spec.service ? [{ kind: 'service', key: String(obj.spec.service), path: 'service' }] : [];

registerSection<Static<typeof ChecksSchema>>({
  key: 'checks',
  kinds: ['check'],
  schema: ChecksSchema,
  singleton: false,
  description: 'Active probes: HTTP(S), TCP, DNS and TLS certificate checks.',
  toObjects: (value, ctx) =>
    value.map((c, i) => {
      const { key, ...spec } = c;
      for (const problem of checkProbeSpec(spec)) ctx.error([i], problem);
      return ctx.object('check', key, compact(spec as Record<string, unknown>), [i]);
    }),
  references: serviceRef,
});

registerSection<Static<typeof HeartbeatsSchema>>({
  key: 'heartbeats',
  kinds: ['heartbeat'],
  schema: HeartbeatsSchema,
  singleton: false,
  description: "Heartbeats (dead man's switches): jobs ping Vigil; silence raises an alarm.",
  toObjects: (value, ctx) =>
    value.map((h, i) => {
      const { key, ...spec } = h;
      for (const problem of checkHeartbeatSpec(spec)) ctx.error([i], problem);
      return ctx.object('heartbeat', key, compact(spec as Record<string, unknown>), [i]);
    }),
  references: serviceRef,
});
