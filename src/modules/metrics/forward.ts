/**
 * Forwards the samples Vigil produces itself (probe_* from checks, scrapes, Pushgateway-style
 * pushes) to the delegated backend by Prometheus remote_write 1.0, so rules and the explorer —
 * which then query that backend — see them. Samples that arrived by remote_write are never
 * forwarded (they came from a Prometheus already; sending them back would loop).
 *
 * The queue lives in memory, bounded; the embedded store keeps every sample anyway. Delivery
 * follows Prometheus' remote-write rules: a 2xx removes the batch, a 4xx other than 429 drops it
 * (resending cannot help: out of order, bad labels, a receiver that is not enabled) and fails the
 * step so the refusal shows in the engine's status, a 5xx, 429 or network failure keeps it and
 * fails the step, so the engine runner retries with backoff.
 */
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Engine, StepResult } from '../../engines/runner.ts';
import { encodeWriteRequest, type WriteSeries } from './remote-write.ts';
import { type Label, labelsKey } from './storage.ts';

export interface ForwardTarget {
  /** The receiver (Prometheus: `<url>/api/v1/write` with --web.enable-remote-write-receiver). */
  url: string;
  headers?: Record<string, string>;
  /** Sent as X-Scope-OrgID (Mimir, Cortex). */
  tenant?: string;
}

interface Pending {
  labels: Label[];
  t: number;
  v: number;
}

/** Most samples kept while the backend is unreachable; the oldest are dropped beyond it. */
export const DEFAULT_QUEUE_LIMIT = 200_000;
/** Samples per remote_write request. */
export const BATCH_SAMPLES = 5_000;

export class RemoteWriteForwarder implements Engine {
  readonly name = 'metrics-forward';
  readonly intervalMs = 1000;
  /** The queue belongs to this process: every replica forwards what it ingested. */
  readonly singleton = false;
  private queue: Pending[] = [];
  private head = 0;
  private target: ForwardTarget | null = null;
  private readonly samples: Counter<'result'>;
  lastError: string | null = null;

  constructor(
    private logger: Logger,
    registry: Registry,
    private queueLimit = DEFAULT_QUEUE_LIMIT,
    private timeoutMs = 30_000,
  ) {
    this.samples = new Counter({
      name: 'vigil_metrics_forward_samples_total',
      help: 'Samples forwarded to the delegated metrics backend by remote_write, by result (sent, failed, dropped)',
      labelNames: ['result'],
      registers: [registry],
    });
    const self = this;
    new Gauge({
      name: 'vigil_metrics_forward_queue_samples',
      help: 'Samples waiting to be forwarded to the delegated metrics backend',
      registers: [registry],
      collect() {
        this.set(self.pending());
      },
    });
  }

  /** Where to send (null: forwarding off; the queue is discarded). */
  configure(target: ForwardTarget | null): void {
    this.target = target;
    if (!target) this.clear();
  }

  enabled(): boolean {
    return this.target !== null;
  }

  pending(): number {
    return this.queue.length - this.head;
  }

  /** Queues accepted samples (called after the embedded store committed them). */
  offer(labels: Label[], t: number, v: number): void {
    if (!this.target) return;
    this.queue.push({ labels, t, v });
    const over = this.pending() - this.queueLimit;
    if (over > 0) {
      this.head += over;
      this.samples.inc({ result: 'dropped' }, over);
      this.lastError = `forward queue full: dropped the ${over} oldest samples`;
    }
    if (this.head > 50_000 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  private clear(): void {
    this.queue = [];
    this.head = 0;
  }

  async step(): Promise<StepResult> {
    const target = this.target;
    if (!target || this.pending() === 0) return {};
    const end = Math.min(this.queue.length, this.head + BATCH_SAMPLES);
    const batch = this.queue.slice(this.head, end);
    const bySeries = new Map<string, WriteSeries>();
    for (const p of batch) {
      const k = labelsKey(p.labels);
      let s = bySeries.get(k);
      if (!s) bySeries.set(k, (s = { labels: p.labels, timestamps: [], values: [] }));
      s.timestamps.push(p.t);
      s.values.push(p.v);
    }
    let res: Response;
    try {
      res = await fetch(target.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-protobuf',
          'content-encoding': 'snappy',
          'x-prometheus-remote-write-version': '0.1.0',
          'user-agent': 'vigil-remote-write',
          ...(target.tenant ? { 'x-scope-orgid': target.tenant } : {}),
          ...target.headers,
        },
        body: encodeWriteRequest([...bySeries.values()]),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      this.lastError = `remote_write to ${target.url} failed: ${(err as Error).message}`;
      throw new Error(this.lastError);
    }
    const text = res.ok ? '' : (await res.text().catch(() => '')).slice(0, 300);
    if (this.target !== target) return { more: this.pending() > 0 }; // reconfigured meanwhile
    if (res.ok) {
      this.head = end;
      this.samples.inc({ result: 'sent' }, batch.length);
      this.lastError = null;
    } else if (res.status >= 400 && res.status < 500 && res.status !== 429) {
      this.head = end;
      this.samples.inc({ result: 'failed' }, batch.length);
      this.lastError = `remote_write to ${target.url} refused ${batch.length} samples: HTTP ${res.status} ${text}`;
      this.logger.warn({ status: res.status, body: text, samples: batch.length }, 'remote_write refused');
      // Dropped for good; fail the step so the refusal shows in the engine's status.
      throw new Error(this.lastError);
    } else {
      this.lastError = `remote_write to ${target.url} failed: HTTP ${res.status} ${text}`;
      throw new Error(this.lastError);
    }
    if (this.pending() === 0) this.clear();
    return { more: this.pending() > 0 };
  }
}
