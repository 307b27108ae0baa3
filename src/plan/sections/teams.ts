/** `teams:` — the groups that own services and receive pages (kind `team`). */
import { type Static, Type } from '@sinclair/typebox';
import type { SectionDef } from '../registry.ts';
import { compact, List, Name, Obj, Slug, Text } from '../schema-helpers.ts';

const TeamSchema = Obj('team', {
  key: Slug('Stable identifier, referenced by services and users.'),
  name: Name('Display name.'),
  description: Type.Optional(Text(2000)),
});

const TeamsSchema = List(TeamSchema, 'Teams.');

/** The `teams` section. */
export const teamsSection: SectionDef<Static<typeof TeamsSchema>> = {
  key: 'teams',
  kinds: ['team'],
  schema: TeamsSchema,
  singleton: false,
  description: 'Teams that own services and take part in on-call.',
  toObjects: (value, ctx) =>
    value.map((t, i) =>
      ctx.object('team', t.key, compact({ name: t.name, description: t.description }), [i]),
    ),
};
