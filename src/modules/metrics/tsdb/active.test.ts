import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ActiveChunks } from './active.ts';
import { decodeChunkInto, XorEncoder } from './chunk.ts';

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const fromBits = (hi: number, lo: number) => {
  u32[0] = lo;
  u32[1] = hi;
  return f64[0];
};

describe('column store of open chunks', () => {
  it('encodes byte for byte like XorEncoder across slot growth and reuse (property)', () => {
    const value = fc.oneof(
      fc.double(),
      fc
        .tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }))
        .map(([hi, lo]) => fromBits(hi, lo)),
      fc.integer({ min: 0, max: 5 }),
    );
    const delta = fc.oneof(fc.constant(15_000), fc.integer({ min: 1, max: 2 ** 40 }));
    const series = fc.array(fc.tuple(delta, value), { minLength: 1, maxLength: 120 });
    fc.assert(
      fc.property(fc.array(series, { minLength: 1, maxLength: 6 }), (all) => {
        const ac = new ActiveChunks();
        // Interleave the series, as a scrape does, and free one slot midway to test reuse.
        const slots = all.map(() => ac.open(Number.POSITIVE_INFINITY));
        const encs = all.map(() => new XorEncoder());
        const ts = all.map(() => 1_700_000_000_000);
        const longest = Math.max(...all.map((s) => s.length));
        for (let i = 0; i < longest; i++) {
          for (let k = 0; k < all.length; k++) {
            if (i >= all[k].length) continue;
            ts[k] += all[k][i][0];
            ac.append(slots[k], ts[k], all[k][i][1]);
            encs[k].append(ts[k], all[k][i][1]);
          }
          if (i === 3 && all.length > 1) {
            ac.free(slots[0]);
            slots[0] = ac.open(Number.POSITIVE_INFINITY);
            encs[0] = new XorEncoder();
          }
        }
        for (let k = 0; k < all.length; k++) {
          assert.deepEqual(Array.from(ac.bytes(slots[k])), Array.from(encs[k].bytes()));
          const n = ac.count[slots[k]];
          const out = new Float64Array(n);
          const vs = new Float64Array(n);
          const got = decodeChunkInto(
            ac.slab(slots[k]),
            out,
            vs,
            0,
            -Infinity,
            Infinity,
            null,
            ac.offset(slots[k]),
          );
          assert.equal(got, n);
        }
      }),
      { numRuns: 200 },
    );
  });
});
