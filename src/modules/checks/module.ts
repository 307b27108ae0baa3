/**
 * The checks module: active probes (HTTP, TCP, DNS, TLS) on a spread schedule, heartbeats with
 * Healthchecks.io-compatible pings, results with rollups, and `check.state_changed` events.
 */
import { Gauge } from 'prom-client';
import { parseDuration } from '../../kernel/clock.ts';
import { defineModule } from '../module.ts';
import { HeartbeatEngine, HeartbeatService } from './heartbeats.ts';
import './kinds.ts';
import * as m1 from './migrations/202611251105-checks-tables.ts';
import * as m2 from './migrations/202611251400-checks-index.ts';
import * as m3 from './migrations/202611251700-heartbeat-journal.ts';
import './plan-section.ts';
import { defaultProber } from './probes/index.ts';
import { checksRoutes } from './routes.ts';
import { ProbeScheduler } from './scheduler.ts';
import { type ChecksApi, ChecksService } from './service.ts';

const services = new WeakMap<object, ChecksService>();

/** The service behind a published api (tests and benchmarks drive the engines through it). */
export function serviceOf(api: unknown): ChecksService {
  const s = services.get(api as object);
  if (!s) throw new Error('not a checks api');
  return s;
}

export type { ResultSample } from './scheduler.ts';
export type { CheckStatus, ChecksApi } from './service.ts';

export default defineModule<ChecksApi>({
  name: 'checks',
  migrations: {
    '202611251105-checks-tables': m1,
    '202611251400-checks-index': m2,
    '202611251700-heartbeat-journal': m3,
  },
  create(ctx) {
    const env = process.env;
    const rawRetention = parseDuration(env.VIGIL_CHECKS_RAW_RETENTION ?? '7d');
    const rollupRetention = parseDuration(env.VIGIL_CHECKS_ROLLUP_RETENTION ?? '90d');
    const scheduler = new ProbeScheduler({
      db: ctx.db,
      clock: ctx.clock,
      timeline: ctx.timeline,
      catalog: ctx.catalog,
      prober: defaultProber,
      concurrency: Number(env.VIGIL_CHECKS_CONCURRENCY ?? 50),
      location: env.VIGIL_CHECKS_LOCATION ?? 'local',
    });
    const heartbeats = new HeartbeatService(
      ctx.db,
      ctx.clock,
      ctx.timeline,
      ctx.timers,
      ctx.catalog,
      ctx.instanceId,
    );
    const service = new ChecksService(ctx.db, ctx.clock, ctx.catalog, ctx.timeline, scheduler, heartbeats);
    // Config changes (API or apply) invalidate the in-memory schedules once committed.
    ctx.timeline.subscribe((e) => {
      if (e.subject.kind === 'check' && /^check\.(created|updated|deleted)$/.test(e.type)) {
        scheduler.invalidate();
        service.invalidate();
      }
      if (e.subject.kind === 'heartbeat' && /^heartbeat\.(created|updated|deleted)$/.test(e.type)) {
        heartbeats.invalidate();
        service.invalidate();
      }
    });
    // Blackbox-exporter style gauges on /metrics, so probes can be graphed and alerted on as metrics.
    const labelNames = ['check', 'service', 'type', 'location'] as const;
    const success = new Gauge({
      name: 'probe_success',
      help: 'Last probe result (1 up/degraded, 0 down)',
      labelNames,
      registers: [ctx.metrics],
    });
    const duration = new Gauge({
      name: 'probe_duration_seconds',
      help: 'Last probe duration',
      labelNames,
      registers: [ctx.metrics],
    });
    scheduler.onResult((r) => {
      service.forgetCurrent(r.check);
      const l = { check: r.check, service: r.service ?? '', type: r.type, location: r.location };
      success.set(l, r.success);
      duration.set(l, r.durationSeconds);
    });
    const api = service.publicApi();
    services.set(api, service);
    return {
      routes: checksRoutes(service, ctx.settings.baseUrl),
      engines: [
        scheduler,
        new HeartbeatEngine(heartbeats, ctx.timers),
        {
          name: 'checks-retention',
          intervalMs: 3_600_000,
          step: async (now: number) => {
            await service.prune(now, rawRetention, rollupRetention, 100);
            return undefined;
          },
        },
      ],
      api,
      stop: async () => {
        await scheduler.drain();
        await heartbeats.close();
      },
    };
  },
});
