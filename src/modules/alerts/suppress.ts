/**
 * Why an alert is not being sent: muted by a maintenance window, inhibited by another firing
 * alert (Alertmanager inhibit_rules), or silenced. Evaluated against a snapshot taken once per
 * engine step so a batch of alerts costs one read of silences, windows and firing alerts.
 */
import { type Labels, type Matcher, matchesAll, parseMatcher } from './matchers.ts';
import { activeOccurrence, type WindowTiming } from './windows.ts';

export interface SilenceInfo {
  id: string;
  matchers: Matcher[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string;
}

export interface WindowInfo {
  key: string;
  title: string;
  services: string[];
  matchers: Matcher[];
  timing: WindowTiming;
}

export interface InhibitInfo {
  source: Matcher[];
  target: Matcher[];
  equal: string[];
}

export interface Snapshot {
  now: number;
  silences: SilenceInfo[];
  windows: WindowInfo[];
  inhibit: InhibitInfo[];
  /** Firing alerts (fingerprint → labels), the possible inhibition sources. */
  firing: Array<{ fingerprint: string; labels: Labels }>;
}

export interface Verdict {
  status: 'active' | 'muted' | 'inhibited' | 'silenced';
  reason: Record<string, unknown> | null;
}

/** Compiles inhibit rules from the routing spec. */
export function compileInhibit(
  rules: Array<{ source_matchers: string[]; target_matchers: string[]; equal?: string[] }>,
): InhibitInfo[] {
  return rules.map((r) => ({
    source: r.source_matchers.map(parseMatcher),
    target: r.target_matchers.map(parseMatcher),
    equal: r.equal ?? [],
  }));
}

/** True when a window's scope (services and matchers; none = everything) covers `labels`. */
export function windowCovers(w: WindowInfo, labels: Labels): boolean {
  if (w.services.length && !w.services.includes(labels.service ?? '')) return false;
  return matchesAll(w.matchers, labels);
}

/** True when the silence is in force at `now` and matches `labels`. */
export function silenceCovers(s: SilenceInfo, labels: Labels, now: number): boolean {
  return s.startsAt <= now && now < s.endsAt && matchesAll(s.matchers, labels);
}

/** What should happen to a firing alert right now. */
export function judge(snap: Snapshot, fingerprint: string, labels: Labels): Verdict {
  for (const w of snap.windows) {
    if (!windowCovers(w, labels)) continue;
    const occ = activeOccurrence(w.timing, snap.now);
    if (occ) {
      return {
        status: 'muted',
        reason: {
          kind: 'maintenance',
          window: w.key,
          title: w.title,
          until: new Date(occ.end).toISOString(),
        },
      };
    }
  }
  for (let i = 0; i < snap.inhibit.length; i++) {
    const r = snap.inhibit[i];
    if (!matchesAll(r.target, labels)) continue;
    const src = snap.firing.find(
      (f) =>
        f.fingerprint !== fingerprint &&
        matchesAll(r.source, f.labels) &&
        r.equal.every((n) => (f.labels[n] ?? '') === (labels[n] ?? '')),
    );
    if (src) return { status: 'inhibited', reason: { kind: 'inhibition', rule: i, by: src.fingerprint } };
  }
  const s = snap.silences.find((x) => silenceCovers(x, labels, snap.now));
  if (s)
    return {
      status: 'silenced',
      reason: { kind: 'silence', silence: s.id, comment: s.comment, by: s.createdBy },
    };
  return { status: 'active', reason: null };
}
