/** Shared fixtures for the TSDB tests (not product code). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { type Labels, labelsFromObject, type Matcher } from '../storage.ts';
import { Tsdb, type TsdbOptions } from './index.ts';

/** A fresh temp dir removed when the test file ends. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-tsdb-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Opens a store on a fake clock at 0 (the future-timestamp check is off unless limits are given). */
export function openTsdb(dir: string, extra: Partial<TsdbOptions> = {}): Tsdb {
  return Tsdb.open({
    dir,
    now: () => 0,
    walFsync: 'never',
    limits: { maxFutureMs: Number.POSITIVE_INFINITY },
    ...extra,
  });
}

export const L = labelsFromObject;

/** Parses `a="x",b!~"y"` into matchers (tests only). */
export function m(src: string): Matcher[] {
  const out: Matcher[] = [];
  for (const part of src.match(/\w+(=~|!~|!=|=)"[^"]*"/g) ?? []) {
    const [, name, type, value] = /^(\w+)(=~|!~|!=|=)"([^"]*)"$/.exec(part)!;
    out.push({ name, type: type as Matcher['type'], value });
  }
  return out;
}

/** Appends and commits samples [labels, t, v]. */
export function write(db: Tsdb, samples: [Labels, number, number][]): void {
  const a = db.appender();
  for (const [l, t, v] of samples) a.append(l, t, v);
  a.commit();
}

/** Series of a select as `{k=v,...}` strings mapped to their [t, v] pairs. */
export function dump(db: Tsdb, matchers: Matcher[], mint = -1e15, maxt = 1e15): Record<string, number[][]> {
  const out: Record<string, number[][]> = {};
  for (const s of db.select(matchers, mint, maxt)) {
    const key = `{${s.labels.map((l) => `${l.name}=${l.value}`).join(',')}}`;
    out[key] = Array.from(s.timestamps, (t, i) => [t, s.values[i]]);
  }
  return out;
}
