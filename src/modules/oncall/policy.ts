/**
 * Escalation policies as written in the ops plan (`escalation_policies:`), and their validation.
 */
import { invalid } from '../../kernel/errors.ts';
import { parseTarget, type Target, type TargetSpec } from './targets.ts';
import { toMs } from './time.ts';

/** One rung of the ladder: notify `targets`, then wait `delay` for an acknowledgement. */
export interface EscalationLevel {
  targets: TargetSpec[];
  /** Time this level has to acknowledge before the next level is notified (`5m` or ms). */
  delay: string | number;
}

/**
 * What a severity changes. `page: false` skips the ladder entirely (e.g. Slack only or a ticket);
 * `also_notify` targets are notified once, at the start, next to level 1 (exec notification);
 * `channels` and `ticket` fire once at the start whether or not the ladder runs.
 */
export interface SeverityRule {
  page?: boolean;
  /**
   * Which of each person's contact methods the ladder uses: `high` (default) or `low` — e.g.
   * SEV-3 pages the on-call by e-mail and chat only, not by phone.
   */
  urgency?: 'high' | 'low';
  also_notify?: TargetSpec[];
  channels?: string[];
  ticket?: string;
}

/** An escalation policy. */
export interface EscalationPolicy {
  key: string;
  name?: string;
  levels: EscalationLevel[];
  /** Extra passes over the whole ladder when nobody acknowledges; default 0. */
  repeat?: number;
  /** Re-trigger from level 1 when an acknowledged incident is still open after this; default off. */
  ack_timeout?: string | number;
  /** Per-severity behaviour, keyed by the severity name used by incidents (`P0`, `SEV-3`, …). */
  severity_overrides?: Record<string, SeverityRule>;
}

/** A policy with durations and targets parsed. */
export interface CompiledPolicy {
  key: string;
  levels: Array<{ targets: Target[]; delayMs: number }>;
  repeat: number;
  ackTimeoutMs: number | null;
  rule(
    severity: string,
  ): Required<Omit<SeverityRule, 'ticket'>> & { also_notify: Target[]; ticket: string | null };
}

/** Validates and parses a policy; throws VigilError(400) on the first problem. */
export function compilePolicy(p: EscalationPolicy): CompiledPolicy {
  const where = `escalation policy "${p.key}"`;
  const levels = p.levels.map((l, i) => {
    if (!l.targets?.length) throw invalid(`${where}: level ${i + 1} has no targets`);
    return { targets: l.targets.map(parseTarget), delayMs: toMs(l.delay) };
  });
  const repeat = p.repeat ?? 0;
  if (!Number.isInteger(repeat) || repeat < 0 || repeat > 100)
    throw invalid(`${where}: repeat must be 0–100`);
  const ackTimeoutMs = p.ack_timeout === undefined ? null : toMs(p.ack_timeout);
  if (ackTimeoutMs !== null && ackTimeoutMs <= 0) throw invalid(`${where}: ack_timeout must be positive`);
  const rules = new Map(
    Object.entries(p.severity_overrides ?? {}).map(([sev, r]) => [
      sev,
      {
        page: r.page ?? true,
        urgency: r.urgency ?? ('high' as const),
        also_notify: (r.also_notify ?? []).map(parseTarget),
        channels: [...(r.channels ?? [])],
        ticket: r.ticket ?? null,
      },
    ]),
  );
  for (const [sev, r] of rules) {
    if (r.page && levels.length === 0)
      throw invalid(`${where}: severity ${sev} pages but the policy has no levels`);
  }
  for (const [sev, r] of rules) {
    if (r.urgency !== 'high' && r.urgency !== 'low')
      throw invalid(`${where}: severity ${sev}: urgency must be high or low`);
  }
  const fallback = {
    page: levels.length > 0,
    urgency: 'high' as const,
    also_notify: [],
    channels: [],
    ticket: null,
  };
  return { key: p.key, levels, repeat, ackTimeoutMs, rule: (sev) => rules.get(sev) ?? fallback };
}

/** Everything a policy refers to, so a plan check can report unknown schedules, teams or channels. */
export interface PolicyReferences {
  users: string[];
  schedules: string[];
  teams: string[];
  channels: string[];
  tickets: string[];
}

/** Lists (sorted, without duplicates) the users, schedules, teams, channels and ticket webhooks a policy names. */
export function policyReferences(p: EscalationPolicy): PolicyReferences {
  const sets = { users: new Set<string>(), schedules: new Set<string>(), teams: new Set<string>() };
  const channels = new Set<string>();
  const tickets = new Set<string>();
  const add = (spec: TargetSpec) => {
    const t = parseTarget(spec);
    sets[t.type === 'user' ? 'users' : t.type === 'schedule' ? 'schedules' : 'teams'].add(t.key);
  };
  for (const l of p.levels) l.targets.forEach(add);
  for (const r of Object.values(p.severity_overrides ?? {})) {
    (r.also_notify ?? []).forEach(add);
    for (const c of r.channels ?? []) channels.add(c);
    if (r.ticket) tickets.add(r.ticket);
  }
  const sorted = (s: Set<string>) => [...s].sort();
  return {
    users: sorted(sets.users),
    schedules: sorted(sets.schedules),
    teams: sorted(sets.teams),
    channels: sorted(channels),
    tickets: sorted(tickets),
  };
}
