/**
 * The maintenance calendar: `maintenance_window` objects expanded into concrete occurrences, for
 * muting alerts and for the status page (`activeWindows(at)`, `upcomingWindows(from, to)`).
 */
import type { CatalogService } from '../catalog/catalog-service.ts';
import { parseMatcher } from './matchers.ts';
import type { WindowInfo } from './suppress.ts';
import { occurrences, type WindowTiming } from './windows.ts';

/** One occurrence of a window, as the API and the status page see it. */
export interface WindowOccurrence {
  key: string;
  title: string;
  description: string | null;
  services: string[];
  start: number;
  end: number;
  announceAt: number;
  emergency: boolean;
  recurring: boolean;
}

export class WindowCalendar {
  constructor(private catalog: CatalogService) {}

  private async specs(): Promise<Array<{ key: string; spec: any }>> {
    const out: Array<{ key: string; spec: any }> = [];
    let cursor: string | undefined;
    do {
      const page = await this.catalog.list('maintenance_window', { limit: 500, cursor });
      out.push(...page.items.map((o) => ({ key: o.key, spec: o.spec })));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return out;
  }

  /** Windows with compiled scope, for suppression. */
  async windows(): Promise<WindowInfo[]> {
    return (await this.specs()).map(({ key, spec }) => ({
      key,
      title: spec.title,
      services: spec.services ?? [],
      matchers: (spec.matchers ?? []).map(parseMatcher),
      timing: spec as WindowTiming,
    }));
  }

  /** Occurrences overlapping [from, to), by start. */
  async upcomingWindows(from: number, to: number): Promise<WindowOccurrence[]> {
    const out: WindowOccurrence[] = [];
    for (const { key, spec } of await this.specs()) {
      for (const o of occurrences(spec, from, to)) {
        out.push({
          key,
          title: spec.title,
          description: spec.description ?? null,
          services: spec.services ?? [],
          start: o.start,
          end: o.end,
          announceAt: o.announceAt,
          emergency: spec.emergency ?? false,
          recurring: Boolean(spec.rrule),
        });
      }
    }
    return out.sort((a, b) => a.start - b.start || a.key.localeCompare(b.key));
  }

  /** Occurrences in progress at `at`. */
  async activeWindows(at: number): Promise<WindowOccurrence[]> {
    return this.upcomingWindows(at, at + 1);
  }
}
