import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DueHeap } from './due-heap.ts';

test('due heap pops in due order, ties and all', () => {
  const h = new DueHeap<string>();
  assert.equal(h.pop(), undefined);
  const input = Array.from({ length: 2000 }, (_, i) => ({ due: (i * 7919) % 1009, item: `x${i}` }));
  for (const { due, item } of input) h.push(due, item);
  assert.equal(h.size, 2000);
  assert.equal(h.peekDue(), 0);
  const out: number[] = [];
  const items = new Set<string>();
  for (let e = h.pop(); e; e = h.pop()) {
    out.push(e.due);
    items.add(e.item);
  }
  assert.deepEqual(
    out,
    [...input.map((x) => x.due)].sort((a, b) => a - b),
  );
  assert.equal(items.size, 2000);
  assert.equal(h.peekDue(), undefined);
  h.push(5, 'a');
  h.clear();
  assert.equal(h.size, 0);
});
