/**
 * The seam between the PromQL engine and whatever stores samples (the embedded TSDB, an
 * in-memory test store). Everything here is synchronous: the embedded store answers from memory
 * and memory-mapped blocks, and the evaluator's inner loops must not await per series.
 *
 * Conventions (as Prometheus): timestamps are integer milliseconds since the epoch; values are
 * float64; labels are sorted by name, names unique, `__name__` holds the metric name.
 */

/** One label pair. */
export interface Label {
  name: string;
  value: string;
}

/** A label set, sorted by name with unique names. */
export type Labels = Label[];

export type MatchType = '=' | '!=' | '=~' | '!~';

/** A label matcher; regexes are fully anchored, as in Prometheus. */
export interface Matcher {
  type: MatchType;
  name: string;
  value: string;
}

/** The samples of one series within the asked time range, oldest first. */
export interface SeriesSamples {
  labels: Labels;
  /** Sample timestamps in ms, ascending. */
  timestamps: ArrayLike<number>;
  /** Sample values; a stale marker is stored as STALE_NAN (see isStaleNaN). */
  values: ArrayLike<number>;
}

/** Read access to stored samples. */
export interface Querier {
  /** Series matching all matchers with their samples in [mint, maxt] (inclusive, ms). */
  select(matchers: Matcher[], mint: number, maxt: number): SeriesSamples[];
  /** Label names present on series matching the matchers (all series when none), sorted. */
  labelNames(matchers: Matcher[], mint: number, maxt: number): string[];
  /** Values of one label on matching series, sorted. */
  labelValues(name: string, matchers: Matcher[], mint: number, maxt: number): string[];
}

/** Write access: one appender per request/scrape, committed at once. */
export interface Appender {
  /** Appends a sample; throws an IngestError for out-of-order/duplicate/limit violations. */
  append(labels: Labels, t: number, v: number): void;
  commit(): void;
  rollback(): void;
}

/**
 * Prometheus marks a series as stale with a special NaN (bits 0x7ff0000000000002). JS numbers can
 * carry that payload; Float64Array preserves it. Compare through the bits, never with `===`.
 */
const staleBuf = new DataView(new ArrayBuffer(8));
staleBuf.setUint32(0, 0x7ff00000);
staleBuf.setUint32(4, 0x00000002);
export const STALE_NAN: number = staleBuf.getFloat64(0);

const probe = new DataView(new ArrayBuffer(8));
/** True when `v` is Prometheus' staleness marker (not any other NaN). */
export function isStaleNaN(v: number): boolean {
  if (!Number.isNaN(v)) return false;
  probe.setFloat64(0, v);
  return probe.getUint32(0) === 0x7ff00000 && probe.getUint32(4) === 0x00000002;
}

/** Builds a sorted label set from a plain object. */
export function labelsFromObject(obj: Record<string, string>): Labels {
  return Object.keys(obj)
    .sort()
    .map((name) => ({ name, value: obj[name] }));
}

/** Canonical string key of a label set (for maps); label sets must already be sorted. */
export function labelsKey(labels: Labels): string {
  let s = '';
  for (const l of labels) s += `${l.name}\xff${l.value}\xfe`;
  return s;
}
