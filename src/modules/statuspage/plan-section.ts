/** `status_pages:` — public status pages and their components, linked to checks and services. */
import { type Static, Type } from '@sinclair/typebox';
import { compact, Duration, Enum, List, Name, Obj, registerSection, Slug, Url } from '../../plan/index.ts';
import { HOSTNAME_PATTERN, INCIDENT_STATUS_VALUES, PAGE_THEMES } from './kinds.ts';

const Component = Obj('component', {
  key: Slug('Stable component key (used by the CLI and the API).'),
  name: Name('Shown on the page.'),
  description: Type.Optional(Type.String({ maxLength: 2000 })),
  group: Type.Optional(Name('Group heading the component sits under.')),
  checks: Type.Optional(List(Type.String(), 'Checks whose state drives this component automatically.')),
  services: Type.Optional(List(Slug(), 'Services this component represents.')),
  only_show_if_degraded: Type.Optional(Type.Boolean()),
});

const Template = Obj('template', {
  key: Slug('Template key.'),
  name: Name('Shown in the incident composer.'),
  title: Type.Optional(Name('Incident title.', 300)),
  status: Type.Optional(Enum(INCIDENT_STATUS_VALUES)),
  body: Type.String({
    minLength: 1,
    maxLength: 10000,
    description: 'Message; {{page}} and {{components}} are filled in.',
  }),
});

const Page = Obj('status page', {
  key: Slug('Page slug: served at /status/<key>.'),
  name: Name('Title of the page.'),
  url: Type.Optional(Url('Public URL of the page, used in feeds and links.')),
  time_zone: Type.Optional(Type.String()),
  logo_url: Type.Optional(Url()),
  brand_color: Type.Optional(Type.String({ pattern: '^#[0-9a-fA-F]{6}$' })),
  links: Type.Optional(List(Obj('link', { title: Name(), url: Url() }))),
  default: Type.Optional(Type.Boolean({ description: 'Also served at /status and /api/v2/*.' })),
  theme: Type.Optional(Enum(PAGE_THEMES, "Colour scheme: auto (the reader's preference), light or dark.")),
  domains: Type.Optional(
    List(Type.String({ pattern: HOSTNAME_PATTERN }), 'Host names that serve this page at their root.'),
  ),
  private: Type.Optional(Type.Boolean({ description: 'Only signed-in Vigil users may read the page.' })),
  templates: Type.Optional(List(Template, 'Message templates for the incident composer.')),
  hold_down: Type.Optional(Duration('How long an automatic status must hold before it shows (default 2m).')),
  components: List(Component, 'Components, in display order.'),
});

const Pages = List(Page, 'Public status pages.');

registerSection<Static<typeof Pages>>({
  key: 'status_pages',
  kinds: ['status_page'],
  schema: Pages,
  singleton: false,
  description: 'Public status pages, their components and what drives them.',
  toObjects: (value, ctx) =>
    value.map((p, i) =>
      ctx.object(
        'status_page',
        p.key,
        compact({
          name: p.name,
          url: p.url,
          time_zone: p.time_zone,
          logo_url: p.logo_url,
          brand_color: p.brand_color,
          links: p.links,
          default: p.default,
          theme: p.theme,
          domains: p.domains,
          private: p.private,
          templates: p.templates?.map((t) => compact({ ...t })),
          hold_down: p.hold_down,
          components: p.components.map((c) => compact({ ...c })),
        }),
        [i],
      ),
    ),
  references: (obj) =>
    ((obj.spec.components as Array<{ services?: string[] }>) ?? []).flatMap((c, i) =>
      (c.services ?? []).map((k, j) => ({
        kind: 'service',
        key: k,
        path: `components[${i}].services[${j}]`,
      })),
    ),
});
