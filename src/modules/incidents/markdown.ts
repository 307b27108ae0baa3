/**
 * Markdown renderings of an incident: the timeline export and the postmortem draft. Unknown
 * event types (from other modules) are rendered generically from their data.
 */
import { formatDuration } from '../../kernel/clock.ts';
import type { DomainEvent } from '../timeline/timeline.ts';
import type { Incident } from './types.ts';

const iso = (ms: number | null) => (ms === null ? '—' : new Date(ms).toISOString().replace('.000Z', 'Z'));

/** One line describing an event. */
export function describeEvent(e: DomainEvent): string {
  const d = e.data as Record<string, any>;
  switch (e.type) {
    case 'incident.opened':
      return `Opened: **${d.title}** (${d.severity}, service ${d.service})`;
    case 'incident.paging_requested':
      return d.reopened ? 'Paging requested (re-opened)' : 'Paging requested';
    case 'incident.acknowledged':
      return `Acknowledged by ${d.by}`;
    case 'incident.status_changed':
      return `Status ${d.from} → ${d.to}`;
    case 'incident.resolved':
      return `Resolved by ${d.by}`;
    case 'incident.reopened':
      return `Re-opened (${d.reason ?? 'same dedup key fired again'})`;
    case 'incident.severity_changed':
      return `Severity ${d.from} → ${d.to}`;
    case 'incident.response_target_breached':
      return `Response target breached (${d.severity}, target ${d.target_ms == null ? 'next business day' : formatDuration(d.target_ms)})`;
    case 'incident.note_added':
      return `Note:\n\n${indent(String(d.markdown))}`;
    case 'incident.note_corrected':
      return `Correction of ${d.corrects}:\n\n${indent(String(d.markdown))}`;
    case 'incident.role_assigned':
      return `${d.role} → ${d.user ?? '(none)'}`;
    case 'incident.alert_attached':
      return `Alert linked: ${d.alert}`;
    case 'incident.alert_resolved':
      return `Alert resolved: ${d.alert}`;
    case 'incident.link_added':
      return `Link: [${d.title}](${d.url})`;
    default: {
      const fields = Object.entries(d)
        .filter(([k]) => k !== 'id' && k !== 'human_id')
        .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
      return `\`${e.type}\`${fields.length ? ` — ${fields.join(', ')}` : ''}`;
    }
  }
}

function indent(md: string): string {
  return md
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

/** The timeline as a Markdown document. */
export function timelineMarkdown(inc: Incident, events: DomainEvent[]): string {
  const lines = [
    `# ${inc.humanId}: ${inc.title}`,
    '',
    `- Severity: ${inc.severity}`,
    `- Service: ${inc.service}${inc.services.length > 1 ? ` (affected: ${inc.services.join(', ')})` : ''}`,
    `- Status: ${inc.status}`,
    `- Opened: ${iso(inc.openedAt)}`,
    ...(inc.resolvedAt !== null ? [`- Resolved: ${iso(inc.resolvedAt)}`] : []),
    '',
    '## Timeline',
    '',
  ];
  for (const e of events) lines.push(`- ${iso(e.at)} — ${describeEvent(e)} _(${e.actor})_`);
  return `${lines.join('\n')}\n`;
}

/** A postmortem draft from the incident and its timeline; people edit it from here. */
export function postmortemDraft(inc: Incident, events: DomainEvent[], alertCount: number): string {
  const end = inc.resolvedAt ?? events[events.length - 1]?.at ?? inc.openedAt;
  const notes = events.filter((e) => e.type === 'incident.note_added');
  const keyTypes = new Set([
    'incident.opened',
    'incident.acknowledged',
    'incident.status_changed',
    'incident.severity_changed',
    'incident.response_target_breached',
    'incident.resolved',
    'incident.reopened',
  ]);
  const tl = events.filter((e) => keyTypes.has(e.type) || !e.type.startsWith('incident.'));
  return [
    `# Postmortem: ${inc.humanId} — ${inc.title}`,
    '',
    '## Summary',
    '',
    inc.summary ?? '_What happened, in two or three sentences._',
    '',
    '## Impact',
    '',
    `- Severity: ${inc.severity}`,
    `- Duration: ${formatDuration(Math.max(0, end - inc.openedAt))} (${iso(inc.openedAt)} → ${iso(inc.resolvedAt)})`,
    `- Time to acknowledge: ${inc.acknowledgedAt === null ? '—' : formatDuration(inc.acknowledgedAt - inc.openedAt)}`,
    `- Affected services: ${inc.services.join(', ')}`,
    `- Linked alerts: ${alertCount}`,
    `- Response target: ${inc.breachedAt === null ? 'met' : `breached at ${iso(inc.breachedAt)}`}`,
    '',
    '## Timeline',
    '',
    ...tl.map((e) => `- ${iso(e.at)} — ${describeEvent(e).split('\n')[0]}`),
    ...(notes.length
      ? [
          '',
          '### Notes during the incident',
          '',
          ...notes.map(
            (n) => `- ${iso(n.at)} (${n.actor}): ${String((n.data as any).markdown).split('\n')[0]}`,
          ),
        ]
      : []),
    '',
    '## Contributing factors',
    '',
    '- _…_',
    '',
    '## What went well',
    '',
    '- _…_',
    '',
    '## What went badly',
    '',
    '- _…_',
    '',
    '## Action items',
    '',
    '_Tracked as action items (owner, due date, status) on the incident._',
    '',
  ].join('\n');
}
