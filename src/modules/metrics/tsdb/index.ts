/**
 * Vigil's embedded time-series store: an in-memory head with a write-ahead log, cut periodically
 * into immutable block files, queried through the synchronous Querier seam. Design and file
 * formats: docs/adr/0002-embedded-tsdb.md.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SystemClock } from '../../../kernel/clock.ts';
import type { Appender, Labels, Matcher, Querier, SeriesSamples } from '../storage.ts';
import { HeadAppender } from './appender.ts';
import type { BlockMeta, BlockReader } from './block.ts';
import { compactBlocks, cutHead, deleteExpired, loadBlocks } from './compact.ts';
import type { IngestReason } from './errors.ts';
import { Head, type MemSeries } from './head.ts';
import { DEFAULT_LIMITS, type TsdbLimits } from './labels.ts';
import { lockDir } from './lock.ts';
import { type SeriesSource, selectLabelNames, selectLabelValues, selectSeries } from './querier.ts';
import { NoWal, Wal, type WalFsync, type WalSeries } from './wal.ts';

export type { BlockMeta } from './block.ts';
export { IngestError, type IngestReason } from './errors.ts';
export type { TsdbLimits } from './labels.ts';
export type { WalFsync } from './wal.ts';

/** How to open a store; everything but `dir` has a default. */
export interface TsdbOptions {
  /** Directory for `wal/` and `blocks/` (created if missing). */
  dir: string;
  /** Whole blocks older than now - retention are deleted on compact (default 15 d). */
  retentionMs?: number;
  /** Span of a block cut from the head; also the head chunk alignment (default 2 h). */
  blockDurationMs?: number;
  /** Largest block produced by merging (default 12 × blockDurationMs). */
  maxBlockDurationMs?: number;
  /** Clock for retention and fsync intervals (default: the system clock). */
  now?: () => number;
  /**
   * Ingestion limits (defaults: 1M series, 64 labels, names ≤ 256 and values ≤ 4096 chars,
   * timestamps at most 10 min ahead of `now`).
   */
  limits?: Partial<TsdbLimits>;
  /** fsync after commits: always, never, or at most every N ms (default 1000). */
  walFsync?: WalFsync;
  /** false: no write-ahead log; nothing in the head survives a restart (tests, benchmarks). */
  wal?: boolean;
  /** WAL segment size cap in bytes (default 32 MiB). */
  walSegmentBytes?: number;
}

/** One entry of a cardinality top list. */
export interface CardinalityStat {
  name: string;
  value: number;
}

/** Head cardinality top lists (see Tsdb.headCardinality). */
export interface HeadCardinality {
  numLabelPairs: number;
  seriesCountByMetricName: CardinalityStat[];
  labelValueCountByLabelName: CardinalityStat[];
  memoryInBytesByLabelName: CardinalityStat[];
  seriesCountByLabelValuePair: CardinalityStat[];
}

/** Figures for dashboards and capacity planning. */
export interface TsdbStats {
  activeSeries: number;
  headSamples: number;
  headChunks: number;
  headChunkBytes: number;
  headMinTime: number | null;
  headMaxTime: number | null;
  /** Rough in-memory cost of the head per active series (chunks + index + fixed overheads). */
  approxBytesPerSeries: number;
  walBytes: number;
  walSegments: number;
  walCorruptions: number;
  blocks: number;
  blockBytes: number;
  blockSamples: number;
  /** Bytes per sample over all block files (0 without blocks). */
  bytesPerSampleOnDisk: number;
  rejected: Record<IngestReason, number>;
}

const HOUR = 3_600_000;
// Fixed per-series cost of a MemSeries, its pooled labels, hash entry, postings, open-chunk
// columns and closed-chunk metadata (calibrated with bench/metrics-memory.ts; see the ADR).
const SERIES_OVERHEAD_BYTES = 400;

/** The embedded TSDB (synchronous, single process). */
export class Tsdb implements Querier {
  /** The in-memory head (exposed for tests and diagnostics; not a stable API). */
  readonly head: Head;
  private blocks: BlockReader[] = [];
  private readonly wal: Wal | NoWal;
  private readonly now: () => number;
  readonly blockDurationMs: number;
  readonly retentionMs: number;
  readonly maxBlockDurationMs: number;
  private closed = false;
  private unlock: () => void = () => {};

  private constructor(readonly opts: TsdbOptions) {
    const clock = new SystemClock();
    this.now = opts.now ?? (() => clock.now());
    this.blockDurationMs = opts.blockDurationMs ?? 2 * HOUR;
    this.retentionMs = opts.retentionMs ?? 15 * 24 * HOUR;
    this.maxBlockDurationMs = opts.maxBlockDurationMs ?? 12 * this.blockDurationMs;
    mkdirSync(this.blocksDir, { recursive: true });
    this.head = new Head(this.blockDurationMs, { ...DEFAULT_LIMITS, ...opts.limits });
    this.wal =
      opts.wal === false
        ? new NoWal()
        : new Wal(join(opts.dir, 'wal'), opts.walFsync ?? 1000, opts.walSegmentBytes ?? 32 << 20, this.now);
  }

  get blocksDir(): string {
    return join(this.opts.dir, 'blocks');
  }

  /** Opens (or creates) a store: loads block indexes, replays the WAL into the head. */
  static open(opts: TsdbOptions): Tsdb {
    const db = new Tsdb(opts);
    db.unlock = lockDir(opts.dir);
    db.blocks = loadBlocks(db.blocksDir);
    for (const b of db.blocks) db.head.minValidTime = Math.max(db.head.minValidTime, b.meta.maxt);
    db.replayWal();
    return db;
  }

  private replayWal(): void {
    const head = this.head;
    const refs = new Map<number, MemSeries>();
    this.wal.replay({
      series: (entries) => {
        for (const e of entries) {
          const labels: Labels = [];
          for (let i = 0; i < e.labels.length; i += 2)
            labels.push({ name: e.labels[i], value: e.labels[i + 1] });
          const s = head.createWithId(e.id, labels);
          s.logged = true;
          refs.set(e.id, s);
        }
      },
      samples: (ids, baseT, d, v) => {
        for (let k = 0; k < ids.length; k++) {
          const s = refs.get(ids[k]);
          const t = baseT + d[k];
          if (s && t >= head.minValidTime) head.appendCommitted(s, t, v[k]);
        }
      },
    });
    for (const r of Object.keys(head.rejected) as IngestReason[]) head.rejected[r] = 0;
  }

  /** A new appender; commit makes its samples durable and visible. */
  appender(): Appender {
    this.assertOpen();
    return new HeadAppender(
      this.head,
      (series, ts, vs, n) => this.commitBatch(series, ts, vs, n),
      this.now() + this.head.limits.maxFutureMs,
    );
  }

  private commitBatch(series: MemSeries[], ts: Float64Array, vs: Float64Array, n: number): void {
    this.assertOpen();
    const head = this.head;
    const fresh: WalSeries[] = [];
    const refs = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      let s = series[i];
      if (s.deleted) series[i] = s = head.getOrCreate(head.labelsOf(s)); // GC'd by a compaction meanwhile
      if (!s.logged) {
        s.logged = true; // set now so each series is logged once; undone below on failure
        fresh.push({ id: s.id, labels: flatLabels(head, s) });
      }
      refs[i] = s.id;
    }
    const mark = this.wal.mark();
    try {
      this.wal.logSeries(fresh);
      this.wal.logSamples(refs, ts, vs, n);
      this.wal.sync();
    } catch (err) {
      // Nothing of a failed commit may survive: undo the partial WAL write and the flags.
      try {
        this.wal.rollbackTo(mark);
      } catch {
        // The log could not be cut back; replay stops at the torn record, as after a crash.
      }
      for (const f of fresh) head.series[f.id]!.logged = false;
      throw err;
    }
    for (let i = 0; i < n; i++) head.appendCommitted(series[i], ts[i], vs[i]);
  }

  private sources(): SeriesSource[] {
    return [...this.blocks, this.head];
  }

  /** Series matching all matchers with their samples in [mint, maxt], sorted by label set. */
  select(matchers: Matcher[], mint: number, maxt: number): SeriesSamples[] {
    this.assertOpen();
    return selectSeries(this.sources(), matchers, mint, maxt);
  }

  /** Sorted label names of matching series in blocks overlapping the range and the head. */
  labelNames(matchers: Matcher[], mint: number, maxt: number): string[] {
    this.assertOpen();
    return selectLabelNames(this.sources(), matchers, mint, maxt);
  }

  /** Sorted values of one label on matching series (blocks overlapping the range, the head). */
  labelValues(name: string, matchers: Matcher[], mint: number, maxt: number): string[] {
    this.assertOpen();
    return selectLabelValues(this.sources(), name, matchers, mint, maxt);
  }

  /**
   * Housekeeping, called by an engine on a timer: cuts head data older than 1.5 block durations
   * into blocks (then truncates the WAL), deletes blocks past retention, merges small blocks.
   */
  compact(nowMs: number = this.now()): void {
    this.assertOpen();
    let cutT: number | null = null;
    try {
      cutHead(this.head, this.blocksDir, this.blockDurationMs, (b) => {
        this.blocks.push(b);
        cutT = b.meta.maxt;
      });
    } finally {
      if (cutT !== null) this.wal.truncate(cutT, this.liveSeries());
    }
    this.blocks = deleteExpired(this.blocks, nowMs - this.retentionMs);
    const errors: unknown[] = [];
    this.blocks = compactBlocks(
      this.blocks,
      this.blocksDir,
      this.blockDurationMs,
      this.maxBlockDurationMs,
      errors,
    );
    if (errors.length) throw errors[0];
  }

  private liveSeries(): WalSeries[] {
    const out: WalSeries[] = [];
    for (const id of this.head.allPostings() as number[]) {
      const s = this.head.series[id]!;
      if (s.logged) out.push({ id, labels: flatLabels(this.head, s) });
    }
    return out;
  }

  /** Metadata of the persisted blocks, oldest first. */
  blockMetas(): BlockMeta[] {
    return this.blocks.map((b) => b.meta);
  }

  stats(): TsdbStats {
    const head = this.head;
    const { bytes, chunks } = head.chunkBytes();
    const wal = this.wal.size();
    let blockBytes = 0;
    let blockSamples = 0;
    for (const b of this.blocks) {
      blockBytes += b.meta.bytes;
      blockSamples += b.meta.numSamples;
    }
    const n = head.numSeries;
    let symbolBytes = 0;
    for (const s of head.symbols.strs) symbolBytes += 40 + s.length;
    // Slabs (open and closed chunk bytes) and symbols, spread over the series, plus the fixed
    // per-series cost of objects, columns, postings and closed-chunk metadata.
    const slabBytes = head.arena.allocatedBytes + head.active.allocatedBytes;
    const approx = n ? SERIES_OVERHEAD_BYTES + (slabBytes + symbolBytes + chunks * 60) / n : 0;
    return {
      activeSeries: n,
      headSamples: head.numSamples,
      headChunks: chunks,
      headChunkBytes: bytes,
      headMinTime: head.numSamples ? head.minT : null,
      headMaxTime: head.numSamples ? head.maxT : null,
      approxBytesPerSeries: Math.round(approx),
      walBytes: wal.bytes,
      walSegments: wal.segments,
      walCorruptions: this.wal.corruptions,
      blocks: this.blocks.length,
      blockBytes,
      blockSamples,
      bytesPerSampleOnDisk: blockSamples ? blockBytes / blockSamples : 0,
      rejected: { ...head.rejected },
    };
  }

  /**
   * Cardinality of the head, as Prometheus' `/api/v1/status/tsdb` reports it: the top `limit`
   * metric names by series, label names by distinct values, label names by value bytes
   * (length × series) and label pairs by series.
   */
  headCardinality(limit: number): HeadCardinality {
    this.assertOpen();
    const head = this.head;
    const byMetric = new TopK(limit);
    const valueCount = new TopK(limit);
    const memory = new TopK(limit);
    const pairs = new TopK(limit);
    let numLabelPairs = 0;
    for (const name of head.labelNames()) {
      let values = 0;
      let bytes = 0;
      const metric = name === '__name__';
      for (const value of head.labelValues(name)) {
        const n = head.postings(name, value).length;
        if (n === 0) continue;
        values++;
        bytes += value.length * n;
        if (metric) byMetric.offer(n, value);
        // The pair's name is only built when it can enter the list (heads hold millions of pairs).
        if (pairs.admits(n)) pairs.offer(n, `${name}=${value}`);
      }
      numLabelPairs += values;
      valueCount.offer(values, name);
      memory.offer(bytes, name);
    }
    return {
      numLabelPairs,
      seriesCountByMetricName: byMetric.items,
      labelValueCountByLabelName: valueCount.items,
      memoryInBytesByLabelName: memory.items,
      seriesCountByLabelValuePair: pairs.items,
    };
  }

  /** Flushes and closes the WAL and block files; the head is not persisted (the WAL covers it). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.wal.close();
    for (const b of this.blocks) b.close();
    this.unlock();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('tsdb: closed');
  }
}

/** The `k` largest entries seen, largest first (ties by name), kept in one sorted window. */
export class TopK {
  readonly items: CardinalityStat[] = [];
  constructor(private k: number) {}

  /** Whether a value this large could enter the list (equal values may, by name). */
  admits(value: number): boolean {
    return this.items.length < this.k || value >= this.items[this.k - 1].value;
  }

  offer(value: number, name: string): void {
    const out = this.items;
    const before = (a: CardinalityStat) => a.value > value || (a.value === value && a.name < name);
    if (out.length === this.k && before(out[this.k - 1])) return;
    let lo = 0;
    let hi = out.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (before(out[mid])) lo = mid + 1;
      else hi = mid;
    }
    out.splice(lo, 0, { name, value });
    if (out.length > this.k) out.pop();
  }
}

function flatLabels(head: Head, s: MemSeries): string[] {
  return head.flatLabels(s);
}
