/** `environments:` — dev/staging/prod and friends, with branch rules (kind `environment`). */
import { type Static, Type } from '@sinclair/typebox';
import type { SectionDef } from '../registry.ts';
import { compact, List, Name, Obj, Slug } from '../schema-helpers.ts';

const EnvironmentSchema = Obj('environment', {
  key: Slug('Stable identifier, e.g. "prod".'),
  name: Name('Display name.'),
  production: Type.Optional(Type.Boolean({ description: 'True for environments that serve customers.' })),
  branch: Type.Optional(
    Type.String({ minLength: 1, maxLength: 200, description: 'Branch (or glob) allowed to deploy here.' }),
  ),
  order: Type.Optional(
    Type.Integer({ description: 'Position in the promotion path (dev=1, staging=2, prod=3).' }),
  ),
});

const EnvironmentsSchema = List(EnvironmentSchema, 'Environments.');

/** The `environments` section. */
export const environmentsSection: SectionDef<Static<typeof EnvironmentsSchema>> = {
  key: 'environments',
  kinds: ['environment'],
  schema: EnvironmentsSchema,
  singleton: false,
  description: 'Deployment environments and their branch rules.',
  toObjects: (value, ctx) =>
    value.map((e, i) =>
      ctx.object(
        'environment',
        e.key,
        compact({ name: e.name, production: e.production ?? false, branch: e.branch, order: e.order }),
        [i],
      ),
    ),
};
