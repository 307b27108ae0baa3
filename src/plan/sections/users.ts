/** `users:` — people, their time zone, role, teams and scoped grants (kind `user`, key = email). */
import { type Static, Type } from '@sinclair/typebox';
import { didYouMean } from '../diagnostics.ts';
import type { PlanReference, SectionDef } from '../registry.ts';
import { compact, Enum, List, Name, Obj, Slug } from '../schema-helpers.ts';

/** Roles, least to most privileged. */
export const ROLES = ['viewer', 'responder', 'operator', 'admin'] as const;

const GrantSchema = Obj('grant', {
  role: Enum(ROLES, 'Role granted within the scope.'),
  team: Type.Optional(Slug('Limit the grant to this team’s services.')),
  environments: Type.Optional(
    Type.Array(Slug(), { maxItems: 50, description: 'Limit the grant to these environments.' }),
  ),
});

const UserSchema = Obj('user', {
  email: Type.String({
    format: 'email',
    maxLength: 320,
    'x-expected': 'an email address such as ada@example.com',
  }),
  name: Name('Display name.'),
  time_zone: Type.Optional(
    Type.String({ maxLength: 64, description: 'IANA time zone, e.g. Europe/Berlin.' }),
  ),
  role: Enum(ROLES, 'Organisation-wide role.'),
  teams: Type.Optional(
    Type.Array(Slug(), { maxItems: 100, description: 'Keys of the teams this user belongs to.' }),
  ),
  grants: Type.Optional(List(GrantSchema, 'Extra, scoped permissions.', 100)),
});

const UsersSchema = List(UserSchema, 'Users.');

let zones: string[] | undefined;
function knownZones(): string[] {
  zones ??= typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return zones;
}

/** True when the runtime knows `tz` as an IANA time zone. */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The `users` section. */
export const usersSection: SectionDef<Static<typeof UsersSchema>> = {
  key: 'users',
  kinds: ['user'],
  schema: UsersSchema,
  singleton: false,
  description: 'People with access to Vigil, their roles and teams.',
  toObjects: (value, ctx) =>
    value.map((u, i) => {
      if (u.time_zone !== undefined && !isTimeZone(u.time_zone)) {
        const guess = didYouMean(u.time_zone, knownZones());
        ctx.error(
          [i, 'time_zone'],
          `unknown time zone "${u.time_zone}"${guess ? ` — did you mean "${guess}"?` : ''}`,
          {
            expected: 'an IANA time zone such as UTC, Europe/Berlin or America/New_York',
            hint: guess
              ? `use "${guess}"`
              : 'see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones',
          },
        );
      }
      const email = u.email.toLowerCase();
      return ctx.object(
        'user',
        email,
        compact({
          email,
          name: u.name,
          time_zone: u.time_zone,
          role: u.role,
          teams: u.teams,
          grants: u.grants?.map((g) => compact({ role: g.role, team: g.team, environments: g.environments })),
        }),
        [i],
      );
    }),
  references: (obj) => {
    const refs: PlanReference[] = [];
    const teams = (obj.spec.teams as string[] | undefined) ?? [];
    for (const [i, t] of teams.entries()) refs.push({ kind: 'team', key: t, path: `teams[${i}]` });
    const grants = (obj.spec.grants as Array<{ team?: string; environments?: string[] }> | undefined) ?? [];
    for (const [i, g] of grants.entries()) {
      if (g.team) refs.push({ kind: 'team', key: g.team, path: `grants[${i}].team` });
      for (const [j, e] of (g.environments ?? []).entries()) {
        refs.push({ kind: 'environment', key: e, path: `grants[${i}].environments[${j}]` });
      }
    }
    return refs;
  },
};
