/**
 * Block lifecycle: cutting head data into blocks, loading blocks on open, deleting blocks past
 * retention, and merging adjacent small blocks into larger ones.
 */
import { readdirSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Labels } from '../storage.ts';
import { labelsKey } from '../storage.ts';
import { BlockReader, BlockWriter } from './block.ts';
import type { Head, HeadChunk } from './head.ts';
import { compareLabels } from './labels.ts';

const blockName = (mint: number, maxt: number) => `b-${mint}-${maxt}.blk`;

/** Opens every block in `dir`, oldest first; drops leftovers of interrupted writes and merges. */
export function loadBlocks(dir: string): BlockReader[] {
  const blocks: BlockReader[] = [];
  for (const f of readdirSync(dir)) {
    if (f.endsWith('.tmp')) {
      unlinkSync(join(dir, f));
      continue;
    }
    if (!/^b-(-?\d+)-(-?\d+)\.blk$/.test(f)) continue;
    try {
      blocks.push(BlockReader.open(join(dir, f)));
    } catch {
      // A damaged block must not keep the store from starting; keep it aside for inspection.
      renameSync(join(dir, f), join(dir, `${f}.broken`));
    }
  }
  blocks.sort((a, b) => a.meta.mint - b.meta.mint || b.meta.maxt - a.meta.maxt);
  // A merge that crashed before deleting its sources leaves blocks inside the merged one's range.
  const kept: BlockReader[] = [];
  for (const b of blocks) {
    const outer = kept[kept.length - 1];
    if (outer && b.meta.mint >= outer.meta.mint && b.meta.maxt <= outer.meta.maxt) {
      b.close();
      unlinkSync(b.path);
    } else kept.push(b);
  }
  return kept;
}

/**
 * Cuts head data into blocks of `range` ms while the head spans more than 1.5 ranges (as
 * Prometheus does, leaving room for late samples), truncating the head after each block.
 */
export function cutHead(head: Head, dir: string, range: number, onBlock: (b: BlockReader) => void): void {
  while (head.numSamples > 0) {
    const start = Math.floor(head.minT / range) * range;
    const end = start + range;
    if (head.maxT - start < 1.5 * range) break;
    const items: { labels: Labels; chunks: HeadChunk[] }[] = [];
    for (const id of head.allPostings() as number[]) {
      const s = head.series[id]!;
      const chunks: HeadChunk[] = [];
      for (const c of head.chunksOf(s)) if (c.mint >= start && c.mint < end) chunks.push(c);
      if (chunks.length) items.push({ labels: head.labelsOf(s), chunks });
    }
    items.sort((a, b) => compareLabels(a.labels, b.labels));
    const w = new BlockWriter(join(dir, blockName(start, end)));
    try {
      for (const it of items) w.add(it.labels, it.chunks);
      // Hand the block over before truncating, so an error later on loses nothing.
      onBlock(w.finish(start, end));
    } catch (err) {
      w.abort();
      throw err;
    }
    head.truncateBefore(end);
  }
}

/** Deletes blocks whose whole range ends at or before `cutoff`; returns the rest. */
export function deleteExpired(blocks: BlockReader[], cutoff: number): BlockReader[] {
  return blocks.filter((b) => {
    if (b.meta.maxt > cutoff) return true;
    b.close();
    unlinkSync(b.path);
    return false;
  });
}

/**
 * Merges adjacent blocks that fall in one aligned window of 3× and then 12× the block range
 * (capped at maxRange), once the window is complete (newer data exists past its end), so each
 * sample is rewritten a bounded number of times. A failed merge keeps its source blocks (they
 * are deleted only after the merged block is in place) and is reported in `errors`.
 */
export function compactBlocks(
  blocks: BlockReader[],
  dir: string,
  range: number,
  maxRange: number,
  errors: unknown[] = [],
): BlockReader[] {
  const levels = [3 * range, 12 * range].filter((r) => r <= maxRange);
  if (maxRange > range && !levels.includes(maxRange) && maxRange > (levels[levels.length - 1] ?? 0)) {
    levels.push(maxRange);
  }
  for (const level of levels) {
    if (blocks.length < 2) break;
    const newest = blocks[blocks.length - 1].meta.maxt;
    const next: BlockReader[] = [];
    let i = 0;
    while (i < blocks.length) {
      const w = Math.floor(blocks[i].meta.mint / level) * level;
      let j = i;
      while (j < blocks.length && blocks[j].meta.mint >= w && blocks[j].meta.maxt <= w + level) j++;
      const group = blocks.slice(i, Math.max(j, i + 1));
      if (group.length >= 2 && newest >= w + level) {
        try {
          next.push(mergeBlocks(group, dir));
        } catch (err) {
          errors.push(err);
          next.push(...group);
        }
      } else next.push(...group);
      i = Math.max(j, i + 1);
    }
    blocks = next;
  }
  return blocks;
}

/** Writes the union of time-ordered, non-overlapping blocks into one block and deletes them. */
export function mergeBlocks(group: BlockReader[], dir: string): BlockReader {
  const series = new Map<string, { labels: Labels; parts: [BlockReader, number][] }>();
  for (const b of group) {
    for (let id = 0; id < b.numSeries; id++) {
      const labels = b.labelsById(id);
      const key = labelsKey(labels);
      const e = series.get(key);
      if (e) e.parts.push([b, id]);
      else series.set(key, { labels, parts: [[b, id]] });
    }
  }
  const items = [...series.values()].sort((a, b) => compareLabels(a.labels, b.labels));
  const mint = group[0].meta.mint;
  const maxt = group[group.length - 1].meta.maxt;
  const w = new BlockWriter(join(dir, blockName(mint, maxt)));
  let merged: BlockReader;
  try {
    for (const it of items) {
      const chunks: HeadChunk[] = [];
      for (const [b, id] of it.parts) chunks.push(...b.chunksById(id));
      w.add(it.labels, chunks);
    }
    merged = w.finish(mint, maxt);
  } catch (err) {
    w.abort();
    throw err;
  }
  for (const b of group) {
    b.close();
    unlinkSync(b.path);
  }
  return merged;
}
