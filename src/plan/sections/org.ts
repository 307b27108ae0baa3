/** `org:` — the organisation's name and public base URL (one object, kind `org`, key `default`). */
import { type Static, Type } from '@sinclair/typebox';
import type { SectionDef } from '../registry.ts';
import { compact, Name, Obj, Url } from '../schema-helpers.ts';

const OrgSchema = Obj(
  'org',
  {
    name: Name('Organisation name shown in the console, status page and notifications.'),
    base_url: Type.Optional(Url('Public URL of this Vigil, used for links in notifications.')),
  },
  'The organisation.',
);

/** The `org` section. */
export const orgSection: SectionDef<Static<typeof OrgSchema>> = {
  key: 'org',
  kinds: ['org'],
  schema: OrgSchema,
  singleton: true,
  description: 'The organisation: name and base URL.',
  toObjects: (value, ctx) => [
    ctx.object(
      'org',
      'default',
      compact({ name: value.name, base_url: value.base_url?.replace(/\/+$/, '') }),
    ),
  ],
};
