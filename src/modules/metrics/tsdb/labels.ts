/** Label-set helpers: interning, validation, ordering. */
import type { Labels } from '../storage.ts';
import { IngestError } from './errors.ts';

/** Interns strings to dense integer ids so label sets are stored as small int arrays. */
export class SymbolTable {
  readonly strs: string[] = [];
  private readonly ids = new Map<string, number>();

  /** Returns the id of `s`, adding it if new. */
  intern(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.strs.length;
      this.strs.push(s);
      this.ids.set(s, id);
    }
    return id;
  }

  get size(): number {
    return this.strs.length;
  }
}

/** Ingestion limits; a violation raises IngestError('limit_*'). */
export interface TsdbLimits {
  maxSeries: number;
  maxLabelNamesPerSeries: number;
  maxLabelNameLength: number;
  maxLabelValueLength: number;
  /**
   * Samples later than now + this are refused ('too_far_in_future'): one sample from a client
   * with a broken clock would otherwise move the head's out-of-bounds window past every
   * honest writer (Infinity disables the check).
   */
  maxFutureMs: number;
}

export const DEFAULT_LIMITS: TsdbLimits = {
  maxSeries: 1_000_000,
  maxLabelNamesPerSeries: 64,
  maxLabelNameLength: 256,
  maxLabelValueLength: 4096,
  maxFutureMs: 10 * 60_000,
};

/**
 * Validates a label set for ingestion and drops empty-valued labels (an empty value means
 * "absent", as in Prometheus). Returns the input itself when nothing was dropped.
 */
export function normalizeLabels(labels: Labels, limits: TsdbLimits): Labels {
  let out = labels;
  let prev = '';
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (typeof l.name !== 'string' || typeof l.value !== 'string' || l.name === '') {
      throw new IngestError('invalid_labels', 'empty or non-string label name');
    }
    if (i > 0 && l.name <= prev) throw new IngestError('invalid_labels', 'labels not sorted or duplicated');
    prev = l.name;
    if (l.name.length > limits.maxLabelNameLength) throw new IngestError('limit_labels', `name ${l.name}`);
    if (l.value.length > limits.maxLabelValueLength)
      throw new IngestError('limit_labels', `value of ${l.name}`);
    if (l.value === '' && out === labels) out = labels.slice(0, i);
    else if (l.value !== '' && out !== labels) out.push(l);
  }
  if (out.length === 0) throw new IngestError('invalid_labels', 'empty label set');
  if (out.length > limits.maxLabelNamesPerSeries) {
    throw new IngestError('limit_labels', `${out.length} labels > ${limits.maxLabelNamesPerSeries}`);
  }
  return out;
}

/** Orders label sets as Prometheus does: by name, then value, pairwise; shorter first on a tie. */
export function compareLabels(a: Labels, b: Labels): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i].name !== b[i].name) return a[i].name < b[i].name ? -1 : 1;
    if (a[i].value !== b[i].value) return a[i].value < b[i].value ? -1 : 1;
  }
  return a.length - b.length;
}

/** Decodes symbol ids back into a label set. */
export function labelsFromSymbols(lset: ArrayLike<number>, strs: string[]): Labels {
  const out: Labels = new Array(lset.length >>> 1);
  for (let i = 0; i < out.length; i++) out[i] = { name: strs[lset[2 * i]], value: strs[lset[2 * i + 1]] };
  return out;
}
