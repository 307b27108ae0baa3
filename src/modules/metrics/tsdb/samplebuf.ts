/**
 * A growable pair of sample columns that sources decode into. A query decodes every series into
 * one reused scratch buffer and then copies the result into a single exact-size allocation,
 * handing out subarray views: far fewer ArrayBuffers (and GC work) than one pair per series.
 */
export class SampleBuf {
  ts: Float64Array;
  vs: Float64Array;
  n = 0;

  constructor(capacity = 1024) {
    this.ts = new Float64Array(capacity);
    this.vs = new Float64Array(capacity);
  }

  /** Makes room for `k` more samples. */
  reserve(k: number): void {
    const need = this.n + k;
    if (need <= this.ts.length) return;
    let cap = this.ts.length * 2;
    while (cap < need) cap *= 2;
    const ts = new Float64Array(cap);
    ts.set(this.ts.subarray(0, this.n));
    const vs = new Float64Array(cap);
    vs.set(this.vs.subarray(0, this.n));
    this.ts = ts;
    this.vs = vs;
  }

  /** Drops samples in [from, n) whose timestamp is not after the previous one (source overlap). */
  dedupe(from: number): void {
    let w = from;
    for (let r = from; r < this.n; r++) {
      if (w > from && this.ts[r] <= this.ts[w - 1]) continue;
      this.ts[w] = this.ts[r];
      this.vs[w] = this.vs[r];
      w++;
    }
    this.n = w;
  }
}

const SCRATCH_KEEP = 1 << 20;
let scratch = new SampleBuf(1 << 16);

/** The shared scratch buffer, emptied (queries are synchronous, so one suffices). */
export function takeScratch(): SampleBuf {
  scratch.n = 0;
  return scratch;
}

/** Returns the scratch buffer, shrinking it after an unusually large query. */
export function releaseScratch(): void {
  if (scratch.ts.length > SCRATCH_KEEP) scratch = new SampleBuf(1 << 16);
}
