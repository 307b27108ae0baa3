/**
 * An appender buffers one request's samples, validating each against the committed head and
 * its own earlier samples, and hands the batch to the store on commit (WAL first, then head).
 */
import type { Appender, Labels } from '../storage.ts';
import { IngestError } from './errors.ts';
import { type Head, type MemSeries, sameBits } from './head.ts';
import { normalizeLabels } from './labels.ts';

/** Receives a validated batch on commit; must make it durable before applying it. */
export type CommitFn = (series: MemSeries[], ts: Float64Array, vs: Float64Array, n: number) => void;

/**
 * The Appender of the embedded TSDB. Label arrays are cached by identity for the appender's
 * lifetime (remote_write decoders pass one array per series), so callers must not mutate a
 * label array after passing it.
 */
export class HeadAppender implements Appender {
  private ser: MemSeries[] = [];
  private ts = new Float64Array(256);
  // A Float64Array keeps NaN payloads (STALE_NAN); JS double arrays may canonicalize them.
  private vs = new Float64Array(256);
  private n = 0;
  /** Label sets seen in this appender, by identity: remote_write reuses one array per series. */
  private readonly cache = new Map<Labels, MemSeries>();
  private done = false;

  constructor(
    private readonly head: Head,
    private readonly onCommit: CommitFn,
    /** Newest acceptable timestamp (now + maxFutureMs when the appender was created). */
    private readonly maxT = Number.POSITIVE_INFINITY,
  ) {}

  append(labels: Labels, t: number, v: number): void {
    if (this.done) throw new Error('tsdb: appender already committed or rolled back');
    const head = this.head;
    // Sample checks first, so a refused sample never creates a series.
    if (!Number.isSafeInteger(t) || typeof v !== 'number') head.reject('invalid_sample', `t=${t}`);
    if (t < head.appendableMinT()) head.reject('out_of_bounds', `t=${t}`);
    if (t > this.maxT) head.reject('too_far_in_future', `t=${t}`);
    let s = this.cache.get(labels);
    if (s === undefined || s.deleted) {
      let norm: Labels;
      try {
        norm = normalizeLabels(labels, head.limits);
      } catch (err) {
        if (err instanceof IngestError) head.rejected[err.reason]++;
        throw err;
      }
      s = head.getOrCreate(norm);
      this.cache.set(labels, s);
    }
    const pending = s.pendApp === this;
    const lastT = pending ? s.pendT : head.lastT(s);
    if (t <= lastT) {
      if (t < lastT) head.reject('out_of_order', `t=${t} < ${lastT}`);
      if (pending ? sameBits(v, s.pendV) : head.sameAsLast(s, v)) return;
      head.reject('duplicate', `t=${t}`);
    }
    s.pendApp = this;
    s.pendT = t;
    s.pendV = v;
    const i = this.n;
    if (i === this.ts.length) this.grow();
    this.ser.push(s);
    this.ts[i] = t;
    this.vs[i] = v;
    this.n = i + 1;
  }

  private grow(): void {
    const ts = new Float64Array(this.ts.length * 2);
    ts.set(this.ts);
    const vs = new Float64Array(this.vs.length * 2);
    vs.set(this.vs);
    this.ts = ts;
    this.vs = vs;
  }

  /** Makes the samples durable (WAL) and visible (head); an empty commit is a no-op. */
  commit(): void {
    if (this.done) throw new Error('tsdb: appender already committed or rolled back');
    this.done = true;
    try {
      if (this.n > 0) this.onCommit(this.ser, this.ts, this.vs, this.n);
    } finally {
      this.release();
    }
  }

  rollback(): void {
    if (this.done) return;
    this.done = true;
    this.release();
  }

  private release(): void {
    for (const s of this.ser) if (s.pendApp === this) s.pendApp = null;
    this.ser = [];
    this.cache.clear();
  }
}
