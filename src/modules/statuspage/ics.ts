/** Scheduled maintenance of a page as an iCalendar feed. */
import ical from 'ical-generator';
import { type PageData, pageUrl } from './views.ts';

/** The maintenance calendar of a page (iCalendar). */
export function maintenanceIcs(d: PageData): string {
  const cal = ical({
    name: `${d.page.name} maintenance`,
    prodId: { company: 'Vigil', product: 'status page' },
  });
  for (const m of d.incidents) {
    if (m.kind !== 'maintenance' || m.scheduledFor === null) continue;
    cal.createEvent({
      id: `${m.id}@${d.page.key}`,
      start: new Date(m.scheduledFor),
      end: new Date(m.scheduledUntil ?? m.scheduledFor),
      summary: m.name,
      description: m.updates[m.updates.length - 1]?.body ?? '',
      url: `${pageUrl(d)}#${m.id}`,
      stamp: new Date(m.createdAt),
    });
  }
  return cal.toString();
}
