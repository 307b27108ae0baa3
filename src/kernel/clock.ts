/**
 * Time as a parameter. Domain code receives a Clock; production uses SystemClock, tests and
 * `vigil drill` use VirtualClock, which advances only when told to and fires its timers in order.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /**
   * Schedules `fn` after `ms`; returns a cancel function. When `fn` returns a promise, a
   * VirtualClock waits for it before firing later timers, so async work (store I/O) started by a
   * timer completes at its virtual instant.
   */
  setTimer(ms: number, fn: () => void | Promise<void>): () => void;
}

/** The real wall clock. The only place (with the engine runner) that touches Date.now/setTimeout. */
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }
  setTimer(ms: number, fn: () => void | Promise<void>): () => void {
    const t = setTimeout(() => void fn(), Math.max(0, ms));
    t.unref?.();
    return () => clearTimeout(t);
  }
}

interface PendingTimer {
  at: number;
  seq: number;
  fn: () => void | Promise<void>;
}

/** A clock that only moves when `advance`/`set` is called; timers fire in due order. */
export class VirtualClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: PendingTimer[] = [];

  constructor(start: number | Date | string = Date.UTC(2026, 0, 1)) {
    this.t = typeof start === 'number' ? start : new Date(start).getTime();
  }

  now(): number {
    return this.t;
  }

  setTimer(ms: number, fn: () => void | Promise<void>): () => void {
    const timer = { at: this.t + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((x) => x !== timer);
    };
  }

  /** Moves time forward by `ms`, firing every timer due on the way (in order, at its own time). */
  async advance(ms: number): Promise<void> {
    await this.set(this.t + ms);
  }

  /** Moves time to `target` (never backwards), firing due timers on the way. */
  async set(target: number | Date | string): Promise<void> {
    const to = typeof target === 'number' ? target : new Date(target).getTime();
    if (to < this.t) throw new Error(`VirtualClock cannot go back in time (${to} < ${this.t})`);
    for (;;) {
      const due = this.timers.filter((x) => x.at <= to).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = Math.max(this.t, due.at);
      try {
        await due.fn();
      } catch {
        // Timer callbacks own their errors; a throwing one must not stop virtual time.
      }
      // Let promise chains started by the timer settle before the next one fires.
      await new Promise<void>((r) => setImmediate(r));
    }
    this.t = to;
  }

  /** Number of timers not yet fired (useful in tests). */
  pendingTimers(): number {
    return this.timers.length;
  }
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Parses durations like `30s`, `5m`, `1h30m`, `2d`, `1w`, `250ms` into milliseconds. */
export function parseDuration(input: string): number {
  // Specs are parsed again on every use (each probe, each ping): remember the few distinct strings.
  const known = parsedDurations.get(input);
  if (known !== undefined) return known;
  const ms = parseDurationNow(input);
  if (parsedDurations.size >= 1000) parsedDurations.clear();
  parsedDurations.set(input, ms);
  return ms;
}

const parsedDurations = new Map<string, number>();

function parseDurationNow(input: string): number {
  const s = input.trim();
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)/y;
  let total = 0;
  let pos = 0;
  const units: Record<string, number> = {
    ms: 1,
    s: 1000,
    m: MINUTE,
    h: HOUR,
    d: DAY,
    w: 7 * DAY,
    y: 365 * DAY,
  };
  if (!s) throw new Error('empty duration');
  while (pos < s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) throw new Error(`invalid duration "${input}" (expected e.g. 30s, 5m, 1h30m, 2d)`);
    total += Number(m[1]) * units[m[2]];
    pos = re.lastIndex;
  }
  return total;
}

/** Formats milliseconds as a compact duration (`1h30m`, `45s`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const parts: string[] = [];
  let rest = Math.round(ms);
  for (const [u, n] of [
    ['d', DAY],
    ['h', HOUR],
    ['m', MINUTE],
    ['s', 1000],
  ] as const) {
    if (rest >= n) {
      parts.push(`${Math.floor(rest / n)}${u}`);
      rest %= n;
    }
  }
  if (rest > 0) parts.push(`${rest}ms`);
  return parts.join('');
}
