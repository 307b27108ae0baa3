/**
 * The engine runner owns timers, backoff, crash isolation and leadership. Engines only implement
 * `step(now)`: handle one bounded batch and say whether more is due. Timers come from the injected
 * Clock, so a VirtualClock drives every engine in tests and in `vigil drill`.
 */
import type { Clock } from '../kernel/clock.ts';
import type { LeaseStore } from './leases.ts';

export interface StepResult {
  /** More work is ready now: run again immediately. */
  more?: boolean;
  /** The next time something is due (sooner than the interval). */
  nextDueAt?: number | null;
}

export interface Engine {
  name: string;
  /** Regular cadence between steps, ms. */
  intervalMs: number;
  /** Run on one replica only (takes the engine's lease). Default true. */
  singleton?: boolean;
  step(now: number): Promise<StepResult | undefined>;
  /**
   * Handed a function that asks the runner for a step as soon as possible (leadership still
   * applies; a wake-up during a step runs one more step right after it). For engines whose work
   * arrives through this process (a new row, a timer due sooner than the next step).
   */
  attach?(wake: () => void): void;
}

export interface EngineStatus {
  name: string;
  runs: number;
  failures: number;
  consecutiveFailures: number;
  lastRunAt: number | null;
  lastError: string | null;
  leader: boolean;
}

export interface RunnerHooks {
  onStep?(name: string, ms: number, ok: boolean): void;
  onError?(name: string, err: unknown): void;
}

const MAX_BACKOFF = 5 * 60_000;

export class EngineRunner {
  private engines = new Map<
    string,
    {
      engine: Engine;
      status: EngineStatus;
      cancel?: () => void;
      running: boolean;
      leaseRenewedAt?: number;
      /** A wake-up arrived during a step: step again right after it. */
      rerun?: boolean;
    }
  >();
  private started = false;

  constructor(
    private clock: Clock,
    private leases: LeaseStore,
    private holder: string,
    private hooks: RunnerHooks = {},
  ) {}

  register(engine: Engine): void {
    if (this.engines.has(engine.name)) throw new Error(`engine ${engine.name} registered twice`);
    this.engines.set(engine.name, {
      engine,
      running: false,
      status: {
        name: engine.name,
        runs: 0,
        failures: 0,
        consecutiveFailures: 0,
        lastRunAt: null,
        lastError: null,
        leader: false,
      },
    });
    engine.attach?.(() => this.wake(engine.name));
    if (this.started) this.schedule(engine.name, 0);
  }

  /** Steps `name` as soon as possible (see Engine.attach). */
  wake(name: string): void {
    const e = this.engines.get(name);
    if (!e || !this.started) return;
    if (e.running) e.rerun = true;
    else this.schedule(name, 0);
  }

  start(): void {
    this.started = true;
    for (const name of this.engines.keys()) this.schedule(name, 0);
  }

  stop(): void {
    this.started = false;
    for (const e of this.engines.values()) e.cancel?.();
  }

  status(): EngineStatus[] {
    return [...this.engines.values()].map((e) => ({ ...e.status }));
  }

  /** Runs one step of `name` now (tests, `vigil drill`); returns the step's result. */
  async runOnce(name: string): Promise<StepResult | undefined> {
    const e = this.engines.get(name);
    if (!e) throw new Error(`unknown engine ${name}`);
    return this.execute(name);
  }

  private schedule(name: string, delay: number): void {
    const e = this.engines.get(name);
    if (!e || !this.started) return;
    e.cancel?.();
    e.cancel = this.clock.setTimer(delay, () => this.tick(name));
  }

  private async tick(name: string): Promise<void> {
    const e = this.engines.get(name)!;
    let delay = e.engine.intervalMs;
    try {
      const res = await this.execute(name);
      if (res?.more || e.rerun) delay = 0;
      else if (res?.nextDueAt != null) delay = Math.max(0, Math.min(delay, res.nextDueAt - this.clock.now()));
    } catch {
      const n = e.status.consecutiveFailures;
      delay = Math.min(MAX_BACKOFF, e.engine.intervalMs * 2 ** Math.min(n, 10));
    }
    this.schedule(name, delay);
  }

  private async execute(name: string): Promise<StepResult | undefined> {
    const e = this.engines.get(name)!;
    if (e.running) return undefined; // a step never overlaps itself
    e.running = true;
    e.rerun = false;
    const started = this.clock.now();
    try {
      if (e.engine.singleton !== false) {
        const ttl = Math.max(15_000, e.engine.intervalMs * 3);
        // A lease renewed less than a third of its TTL ago is still ours for two thirds of it:
        // engines stepping many times a second need not write the lease row every time.
        if (!(e.status.leader && e.leaseRenewedAt !== undefined && started - e.leaseRenewedAt < ttl / 3)) {
          e.status.leader = await this.leases.acquire(`engine:${name}`, this.holder, started, ttl);
          e.leaseRenewedAt = e.status.leader ? started : undefined;
        }
        if (!e.status.leader) return undefined;
      } else {
        e.status.leader = true;
      }
      const t0 = performance.now();
      const res = await e.engine.step(started);
      this.hooks.onStep?.(name, performance.now() - t0, true);
      e.status.runs++;
      e.status.lastRunAt = started;
      e.status.consecutiveFailures = 0;
      e.status.lastError = null;
      return res;
    } catch (err) {
      e.status.failures++;
      e.status.consecutiveFailures++;
      e.status.lastError = err instanceof Error ? err.message : String(err);
      this.hooks.onStep?.(name, 0, false);
      this.hooks.onError?.(name, err);
      throw err;
    } finally {
      e.running = false;
    }
  }
}
