/** `services:` — what is operated: owner team, tier, tags and links (kind `service`). */
import { type Static, Type } from '@sinclair/typebox';
import type { SectionDef } from '../registry.ts';
import { compact, List, Name, Obj, Slug, Text, Url } from '../schema-helpers.ts';

const LinkSchema = Obj('link', { title: Name('Link text.', 100), url: Url() });

const ServiceSchema = Obj('service', {
  key: Slug('Stable identifier, e.g. "payments-api".'),
  name: Name('Display name.'),
  owner: Slug('Key of the owning team.'),
  tier: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 4, description: '1 = most critical … 4 = least.' }),
  ),
  tags: Type.Optional(
    Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { uniqueItems: true, maxItems: 50 }),
  ),
  description: Type.Optional(Text(4000)),
  links: Type.Optional(
    Type.Union(
      [
        List(LinkSchema, undefined, 50),
        Type.Record(Type.String({ minLength: 1, maxLength: 100 }), Url(), { maxProperties: 50 }),
      ],
      {
        description: 'A list of {title, url}, or a map of title → url.',
      },
    ),
  ),
});

const ServicesSchema = List(ServiceSchema, 'Services.');

type Service = Static<typeof ServiceSchema>;

/** Normalises `links` (list or map) to a list of `{ title, url }`. */
function normaliseLinks(links: Service['links']): Array<{ title: string; url: string }> | undefined {
  if (links === undefined) return undefined;
  if (Array.isArray(links)) return links.map((l) => ({ title: l.title, url: l.url }));
  return Object.entries(links).map(([title, url]) => ({ title, url }));
}

/** The `services` section. */
export const servicesSection: SectionDef<Static<typeof ServicesSchema>> = {
  key: 'services',
  kinds: ['service'],
  schema: ServicesSchema,
  singleton: false,
  description: 'Services, their owner team, tier, tags and links.',
  toObjects: (value, ctx) =>
    value.map((s, i) =>
      ctx.object(
        'service',
        s.key,
        compact({
          name: s.name,
          owner: s.owner,
          tier: s.tier,
          tags: s.tags,
          description: s.description,
          links: normaliseLinks(s.links),
        }),
        [i],
      ),
    ),
  references: (obj) => [{ kind: 'team', key: String(obj.spec.owner), path: 'owner' }],
};
