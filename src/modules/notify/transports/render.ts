/** Plain-text rendering shared by transports (subject lines, bodies, severity wording). */
import type { Notification } from '../types.ts';

/** `[P1] INC-7 payments-api: Checkout errors` style headline. */
export function headline(n: Notification): string {
  const m = n.message;
  const parts = [
    m.severity ? `[${m.severity}]` : '',
    m.humanId ?? '',
    m.service ? `${m.service}:` : '',
    m.title,
  ];
  const prefix = m.kind === 'resolved' ? 'Resolved: ' : m.kind === 'ticket' ? 'Ticket: ' : '';
  return prefix + parts.filter(Boolean).join(' ');
}

/** A multi-line plain-text body with the summary and the action links. */
export function textBody(n: Notification): string {
  const m = n.message;
  const lines = [headline(n), ''];
  if (m.summary) lines.push(m.summary, '');
  if (m.severity) lines.push(`Severity: ${m.severity}`);
  if (m.service) lines.push(`Service: ${m.service}`);
  if (n.links.acknowledge) lines.push(`Acknowledge: ${n.links.acknowledge}`);
  if (n.links.resolve) lines.push(`Resolve: ${n.links.resolve}`);
  const open = n.links.open ?? m.url;
  if (open) lines.push(`Open: ${open}`);
  return lines.join('\n');
}

/** Minimal HTML escaping for e-mail and cards. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
