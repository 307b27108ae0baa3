/**
 * The alert state machine of one alerting rule, as in Prometheus' rules/alerting.go: each result
 * series is an alert instance keyed by the fingerprint of its labels; new ones start pending
 * (activeAt = evaluation time), turn firing once `for` has elapsed, keep firing for
 * `keep_firing_for` after the condition clears, then resolve. Pending instances that vanish are
 * dropped silently. Adds CloudWatch's "M out of N" datapoints: an instance counts as breaching
 * when at least M of its last N evaluations returned it. Pure: the engine persists the result.
 */
import { createHash } from 'node:crypto';
import { expandTemplate } from './template.ts';

export type AlertState = 'inactive' | 'pending' | 'firing';

/** One alert instance (ALERTS_FOR_STATE): persisted so a restart resumes `for` timers. */
export interface AlertInstance {
  fingerprint: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** `inactive` only holds an M-of-N window for a series that is not breaching enough yet. */
  state: AlertState;
  activeAt: number;
  firedAt: number | null;
  keepFiringSince: number | null;
  value: number;
  /** Last N outcomes as '1'/'0', newest last (M-of-N rules only). */
  window: string | null;
}

/** An evaluated sample: series labels (no __name__) and value; `since` backdates activeAt. */
export interface RuleSample {
  labels: Record<string, string>;
  value: number;
  since?: number;
}

/** What the state machine needs from a rule. */
export interface AlertRuleConfig {
  name: string;
  forMs: number;
  keepFiringForMs: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  runbook?: string;
  evaluations?: { breaching: number; of: number };
  externalURL?: string;
}

export interface Transition {
  instance: AlertInstance;
  from: AlertState;
  to: AlertState | 'resolved';
  at: number;
}

export interface StepOutput {
  active: Map<string, AlertInstance>;
  transitions: Transition[];
  /** Fingerprints whose persisted row changed (state, window, activeAt) and must be written. */
  changed: Set<string>;
  /** Fingerprints whose persisted row must be deleted. */
  removed: Set<string>;
}

/** Stable fingerprint of a label set (sorted names), 16 hex digits. */
export function fingerprint(labels: Record<string, string>): string {
  const body = Object.keys(labels)
    .sort()
    .map((k) => `${k}\u0000${labels[k]}`)
    .join('\u0001');
  return createHash('sha256').update(body).digest('hex').slice(0, 16);
}

/** Alert labels: series labels (minus __name__) overlaid by templated rule labels and alertname. */
export function alertLabels(rule: AlertRuleConfig, s: RuleSample): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.labels)) if (k !== '__name__') out[k] = v;
  for (const [k, v] of Object.entries(rule.labels)) {
    const x = expandTemplate(v, { labels: s.labels, value: s.value, externalURL: rule.externalURL });
    if (x === '') delete out[k];
    else out[k] = x;
  }
  out.alertname = rule.name;
  return out;
}

function annotationsFor(rule: AlertRuleConfig, s: RuleSample): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(rule.annotations))
    out[k] = expandTemplate(v, { labels: s.labels, value: s.value, externalURL: rule.externalURL });
  if (rule.runbook && out.runbook_url === undefined) out.runbook_url = rule.runbook;
  return out;
}

/**
 * One evaluation at `ts`: `samples` is the rule's result (already adjusted for the missing-data
 * policy). Returns the new active set and the transitions to record.
 */
export function stepAlertRule(
  rule: AlertRuleConfig,
  prev: Map<string, AlertInstance>,
  samples: RuleSample[],
  ts: number,
): StepOutput {
  const active = new Map<string, AlertInstance>();
  for (const [fp, a] of prev) active.set(fp, { ...a });
  const transitions: Transition[] = [];
  const changed = new Set<string>();
  const removed = new Set<string>();
  const seen = new Map<string, { labels: Record<string, string>; sample: RuleSample }>();
  for (const s of samples) {
    const labels = alertLabels(rule, s);
    seen.set(fingerprint(labels), { labels, sample: s });
  }

  // M-of-N: a series is "breaching" only when enough of its recent evaluations returned it.
  let breaching: Set<string>;
  if (rule.evaluations) {
    const { breaching: m, of: n } = rule.evaluations;
    breaching = new Set();
    const fps = new Set([
      ...seen.keys(),
      ...[...active.values()].filter((a) => a.window).map((a) => a.fingerprint),
    ]);
    for (const fp of fps) {
      const hit = seen.has(fp);
      let a = active.get(fp);
      if (!a) {
        const { labels, sample } = seen.get(fp)!;
        a = {
          fingerprint: fp,
          labels,
          annotations: annotationsFor(rule, sample),
          state: 'inactive',
          activeAt: ts,
          firedAt: null,
          keepFiringSince: null,
          value: sample.value,
          window: '',
        };
        active.set(fp, a);
      }
      a.window = `${a.window ?? ''}${hit ? '1' : '0'}`.slice(-n);
      changed.add(fp);
      if ([...a.window].filter((c) => c === '1').length >= m) breaching.add(fp);
      else if (a.state === 'inactive' && !a.window.includes('1')) {
        active.delete(fp);
        changed.delete(fp);
        if (prev.has(fp)) removed.add(fp);
      }
    }
  } else breaching = new Set(seen.keys());

  for (const fp of breaching) {
    const hit = seen.get(fp);
    const a = active.get(fp);
    if (a && a.state !== 'inactive') {
      if (hit) {
        a.value = hit.sample.value;
        a.annotations = annotationsFor(rule, hit.sample);
      }
      if (a.keepFiringSince !== null) {
        a.keepFiringSince = null;
        changed.add(fp);
      }
      continue;
    }
    const src = hit ?? { labels: a!.labels, sample: { labels: a!.labels, value: a!.value } };
    const since = src.sample.since !== undefined ? Math.min(src.sample.since, ts) : ts;
    const next: AlertInstance = {
      fingerprint: fp,
      labels: src.labels,
      annotations: annotationsFor(rule, src.sample),
      state: 'pending',
      activeAt: since,
      firedAt: null,
      keepFiringSince: null,
      value: src.sample.value,
      window: a?.window ?? null,
    };
    active.set(fp, next);
    changed.add(fp);
    transitions.push({ instance: next, from: 'inactive', to: 'pending', at: ts });
  }

  for (const [fp, a] of active) {
    if (breaching.has(fp) || a.state === 'inactive') continue;
    if (a.state === 'firing' && rule.keepFiringForMs > 0) {
      if (a.keepFiringSince === null) {
        a.keepFiringSince = ts;
        changed.add(fp);
      }
      if (ts - a.keepFiringSince < rule.keepFiringForMs) continue;
    }
    const from = a.state;
    const snapshot: AlertInstance = { ...a, state: 'inactive' };
    if (a.window?.includes('1')) {
      // Still tracked for M-of-N, but no longer an alert.
      a.state = 'inactive';
      a.firedAt = null;
      a.keepFiringSince = null;
      changed.add(fp);
    } else {
      active.delete(fp);
      changed.delete(fp);
      removed.add(fp);
    }
    transitions.push({ instance: snapshot, from, to: from === 'firing' ? 'resolved' : 'inactive', at: ts });
  }

  for (const a of active.values()) {
    if (a.state === 'pending' && ts - a.activeAt >= rule.forMs) {
      a.state = 'firing';
      a.firedAt = ts;
      changed.add(a.fingerprint);
      transitions.push({ instance: a, from: 'pending', to: 'firing', at: ts });
    }
  }
  return { active, transitions, changed, removed };
}
