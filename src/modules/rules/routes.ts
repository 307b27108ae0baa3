/**
 * HTTP routes in Prometheus' shapes: `GET /api/v1/rules` (groups, rules, health, last error,
 * evaluation time) and `GET /api/v1/alerts` (pending and firing instances), plus the transition
 * history of one alert instance.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { formatPromValue } from '../metrics/promql/index.ts';
import type { RulesEngine } from './engine.ts';
import type { AlertInstance } from './state-machine.ts';

const iso = (t: number | null | undefined) => (t == null ? null : new Date(t).toISOString());
const tags = ['rules'];

function presentAlert(a: AlertInstance, extra: Record<string, unknown> = {}) {
  return {
    labels: a.labels,
    annotations: a.annotations,
    state: a.state,
    activeAt: iso(a.activeAt),
    firedAt: iso(a.firedAt),
    keepFiringSince: iso(a.keepFiringSince),
    value: formatPromValue(a.value),
    fingerprint: a.fingerprint,
    ...extra,
  };
}

/** Routes of the rules module. */
export function rulesRoutes(engine: RulesEngine) {
  return async (app: FastifyInstance) => {
    app.get(
      '/api/v1/rules',
      {
        config: { policy: 'viewer' },
        schema: {
          tags,
          querystring: Type.Object({
            type: Type.Optional(Type.Union([Type.Literal('alert'), Type.Literal('record')])),
            group: Type.Optional(Type.String()),
            rule: Type.Optional(Type.String()),
          }),
        },
      },
      async (req) => {
        const q = req.query as { type?: string; group?: string; rule?: string };
        await engine.ready();
        const groups = (await engine.groups())
          .filter((g) => !q.group || g.key === q.group)
          .map((g) => {
            const st = engine.groupState(g.key);
            const rules = g.rules
              .filter((r) => !q.type || (q.type === 'alert') === (r.type === 'alerting'))
              .filter((r) => !q.rule || r.name === q.rule)
              .map((r) => {
                const h = st?.rules[r.id];
                const common = {
                  id: r.id,
                  name: r.name,
                  query: r.def.expr ?? `check ${r.def.check} is ${r.def.state ?? 'down'}`,
                  labels: r.def.labels ?? {},
                  health: h?.health ?? 'unknown',
                  lastError: h?.lastError ?? '',
                  lastEvaluation: iso(h?.lastEvaluation ?? null),
                  evaluationTime: (h?.evaluationMs ?? 0) / 1000,
                  type: r.type,
                };
                if (r.type === 'recording') return common;
                const alerts = engine.instances(r.id);
                return {
                  ...common,
                  state: alerts.some((a) => a.state === 'firing')
                    ? 'firing'
                    : alerts.some((a) => a.state === 'pending')
                      ? 'pending'
                      : 'inactive',
                  duration: r.config.forMs / 1000,
                  keepFiringFor: r.config.keepFiringForMs / 1000,
                  annotations: r.def.annotations ?? {},
                  runbook: r.def.runbook ?? null,
                  missingData: r.missingData,
                  evaluations: r.def.evaluations ?? null,
                  check: r.def.check ?? null,
                  alerts: alerts.map((a) => presentAlert(a)),
                };
              });
            return {
              name: g.key,
              file: '',
              interval: g.intervalMs / 1000,
              rules,
              lastEvaluation: iso(st?.lastEvalAt ?? null),
              evaluationTime: (st?.evaluationMs ?? 0) / 1000,
            };
          });
        return { status: 'success', data: { groups } };
      },
    );

    app.get(
      '/api/v1/alerts',
      {
        config: { policy: 'viewer' },
        schema: {
          tags,
          querystring: Type.Object({
            state: Type.Optional(Type.Union([Type.Literal('firing'), Type.Literal('pending')])),
          }),
        },
      },
      async (req) => {
        const { state } = req.query as { state?: string };
        await engine.ready();
        const alerts = (await engine.groups()).flatMap((g) =>
          g.rules.flatMap((r) =>
            engine
              .instances(r.id)
              .filter((a) => !state || a.state === state)
              .map((a) => presentAlert(a, { rule: r.name, group: g.key })),
          ),
        );
        return { status: 'success', data: { alerts } };
      },
    );

    app.get(
      '/api/v1/alerts/:fingerprint/history',
      {
        config: { policy: 'viewer' },
        schema: { tags, params: Type.Object({ fingerprint: Type.String({ pattern: '^[0-9a-f]{16}$' }) }) },
      },
      async (req) => {
        const { fingerprint } = req.params as { fingerprint: string };
        const rows = await engine.store.history(fingerprint);
        return {
          status: 'success',
          data: {
            fingerprint,
            transitions: rows.map((r) => ({
              at: iso(r.at),
              from: r.from,
              to: r.to,
              rule_id: r.ruleId,
              group: r.group,
              value: r.value,
              labels: r.labels,
            })),
          },
        };
      },
    );
  };
}
