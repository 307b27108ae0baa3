/** Configuration kinds of the metrics module: scrape jobs and the query backend. */
import { Type } from '@sinclair/typebox';
import { DURATION_PATTERN } from '../../plan/index.ts';
import { registerKind } from '../catalog/kinds.ts';

const Duration = Type.String({ pattern: DURATION_PATTERN, maxLength: 32 });

registerKind({
  kind: 'scrape_job',
  plural: 'scrape-jobs',
  label: 'scrape job',
  keyStyle: 'slug',
  order: 10,
  writeRole: 'operator',
  spec: Type.Object(
    {
      targets: Type.Array(Type.String({ minLength: 1, maxLength: 300 }), { minItems: 1, maxItems: 1000 }),
      interval: Type.Optional(Duration),
      timeout: Type.Optional(Duration),
      metrics_path: Type.Optional(Type.String({ pattern: '^/', maxLength: 500 })),
      scheme: Type.Optional(Type.Union([Type.Literal('http'), Type.Literal('https')])),
      labels: Type.Optional(
        Type.Record(Type.String({ pattern: '^[a-zA-Z_][a-zA-Z0-9_]*$' }), Type.String({ maxLength: 1000 })),
      ),
      honor_labels: Type.Optional(Type.Boolean()),
      sample_limit: Type.Optional(Type.Integer({ minimum: 0 })),
    },
    { additionalProperties: false },
  ),
  check: (spec) => {
    const problems: string[] = [];
    for (const t of spec.targets as string[]) {
      if (!/^[^\s/]+:\d+$/.test(t)) problems.push(`target "${t}" must be host:port`);
    }
    return problems;
  },
});

registerKind({
  kind: 'metrics_backend',
  plural: 'metrics-backend',
  label: 'metrics backend',
  keyStyle: 'singleton',
  order: 10,
  spec: Type.Object(
    {
      type: Type.Union([Type.Literal('embedded'), Type.Literal('prometheus')]),
      url: Type.Optional(Type.String({ format: 'uri', maxLength: 2000 })),
      headers: Type.Optional(Type.Record(Type.String(), Type.String({ maxLength: 4000 }))),
      tenant: Type.Optional(Type.String({ maxLength: 200 })),
      remote_write_url: Type.Optional(Type.String({ format: 'uri', maxLength: 2000 })),
      forward: Type.Optional(Type.Boolean()),
      retention: Type.Optional(Duration),
    },
    { additionalProperties: false },
  ),
  check: (spec) => (spec.type === 'prometheus' && !spec.url ? ['backend "prometheus" needs a url'] : []),
});
