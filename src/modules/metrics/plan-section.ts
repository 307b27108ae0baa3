/** The `metrics:` section of the ops plan: scrape jobs and the query backend. */
import { type Static, Type } from '@sinclair/typebox';
import { compact, Duration, Enum, List, Obj, registerSection, Slug, Url } from '../../plan/index.ts';

const ScrapeJob = Obj('scrape job', {
  job: Slug('Job name; becomes the `job` label.'),
  targets: List(
    Type.String({ pattern: '^[^\\s/]+:\\d+$', description: 'host:port' }),
    'Targets to scrape.',
    1000,
  ),
  interval: Type.Optional(Duration('How often to scrape (default 15s).')),
  timeout: Type.Optional(Duration('Scrape timeout (default 10s, at most the interval).')),
  metrics_path: Type.Optional(Type.String({ pattern: '^/', description: 'Default /metrics.' })),
  scheme: Type.Optional(Enum(['http', 'https'] as const)),
  labels: Type.Optional(Type.Record(Type.String({ pattern: '^[a-zA-Z_][a-zA-Z0-9_]*$' }), Type.String())),
  honor_labels: Type.Optional(Type.Boolean()),
  sample_limit: Type.Optional(Type.Integer({ minimum: 0 })),
});

const MetricsSchema = Obj('metrics', {
  backend: Type.Optional(Enum(['embedded', 'prometheus'] as const, 'Where rules and the explorer query.')),
  url: Type.Optional(Url('Prometheus-compatible query API base URL (backend: prometheus).')),
  headers: Type.Optional(Type.Record(Type.String(), Type.String())),
  tenant: Type.Optional(Type.String({ description: 'X-Scope-OrgID for Mimir/Cortex.' })),
  remote_write_url: Type.Optional(
    Url('Where Vigil remote-writes its own series (backend: prometheus; default <url>/api/v1/write).'),
  ),
  forward: Type.Optional(
    Type.Boolean({
      description: "Forward Vigil's own series (probes, scrapes, pushes) to the backend (default true).",
    }),
  ),
  retention: Type.Optional(Duration('Embedded store retention (default 15d).')),
  scrape: Type.Optional(List(ScrapeJob, 'Scrape jobs.')),
});

registerSection<Static<typeof MetricsSchema>>({
  key: 'metrics',
  kinds: ['metrics_backend', 'scrape_job'],
  schema: MetricsSchema,
  singleton: true,
  description: 'Metrics: scrape jobs and the query backend.',
  toObjects: (value, ctx) => {
    const out = [];
    if (value.backend === 'prometheus' && !value.url) {
      ctx.error(['backend'], 'backend "prometheus" needs a url', {
        expected: 'url: https://prometheus.example:9090',
      });
    }
    out.push(
      ctx.object(
        'metrics_backend',
        'default',
        compact({
          type: value.backend ?? 'embedded',
          url: value.url,
          headers: value.headers,
          tenant: value.tenant,
          remote_write_url: value.remote_write_url,
          forward: value.forward,
          retention: value.retention,
        }),
        [],
      ),
    );
    (value.scrape ?? []).forEach((j, i) => {
      out.push(
        ctx.object(
          'scrape_job',
          j.job,
          compact({
            targets: j.targets,
            interval: j.interval,
            timeout: j.timeout,
            metrics_path: j.metrics_path,
            scheme: j.scheme,
            labels: j.labels,
            honor_labels: j.honor_labels,
            sample_limit: j.sample_limit,
          }),
          ['scrape', i],
        ),
      );
    });
    return out;
  },
});
