import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isStaleNaN, STALE_NAN } from '../storage.ts';
import { BitReader, BitWriter } from './bits.ts';
import { chunkCount, decodeChunk, decodeChunkInto, newResumePoint, XorEncoder } from './chunk.ts';

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
function bitsOf(v: number): string {
  f64[0] = v;
  return `${u32[1].toString(16)}:${u32[0].toString(16)}`;
}
function fromBits(hi: number, lo: number): number {
  u32[0] = lo;
  u32[1] = hi;
  return f64[0];
}

function roundTrip(ts: number[], vs: number[]): void {
  const enc = new XorEncoder(4);
  for (let i = 0; i < ts.length; i++) enc.append(ts[i], vs[i]);
  for (const bytes of [enc.bytes(), enc.finish()]) {
    assert.equal(chunkCount(bytes), ts.length);
    const out = decodeChunk(bytes);
    assert.deepEqual(Array.from(out.ts), ts);
    assert.deepEqual(Array.from(out.vs, bitsOf), vs.map(bitsOf));
  }
}

describe('bit stream', () => {
  it('round-trips mixed widths', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 0xffffffff }))),
        (items) => {
          const w = new BitWriter(1);
          for (const [n, v] of items) w.writeBits(v, n);
          const r = new BitReader(w.finish());
          for (const [n, v] of items) {
            const mask = n === 32 ? 0xffffffff : (1 << n) - 1;
            assert.equal(r.readBits(n), (v & mask) >>> 0);
          }
        },
      ),
    );
  });

  it('refuses to read past the end', () => {
    const r = new BitReader(new Uint8Array([0xff]));
    assert.equal(r.readBits(8), 0xff);
    assert.throws(() => r.readBit(), RangeError);
  });
});

describe('XOR chunk', () => {
  it('round-trips special values exactly', () => {
    const special = [
      STALE_NAN,
      Number.NaN,
      fromBits(0x7ff80000, 1),
      fromBits(0xfff00000, 0xdeadbeef),
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      -0,
      0,
      Number.MIN_VALUE,
      -Number.MAX_VALUE,
      1.5,
      1.5,
      STALE_NAN,
    ];
    const ts = special.map((_, i) => 1_700_000_000_000 + i * 15_000);
    roundTrip(ts, special);
    const out = decodeChunk(new XorEncoder().finish());
    assert.equal(out.ts.length, 0);
    const enc = new XorEncoder();
    enc.append(5, STALE_NAN);
    enc.append(6, -0);
    const d = decodeChunk(enc.bytes());
    assert.ok(isStaleNaN(d.vs[0]));
    assert.ok(Object.is(d.vs[1], -0));
  });

  it('round-trips every delta-of-delta bucket, negative and huge timestamps', () => {
    const ts = [-5_000_000_000_000, -4_999_999_999_999, 0, 1, 2, 8193, 16_386, 81_922, 606_210];
    ts.push(ts[ts.length - 1] + 2 ** 45, ts[ts.length - 1] + 2 ** 45 + 1);
    roundTrip(
      ts,
      ts.map((_, i) => i * 0.1),
    );
  });

  it('compresses regular scrape data well', () => {
    const enc = new XorEncoder();
    for (let i = 0; i < 120; i++) enc.append(1_700_000_000_000 + i * 15_000, 100 + (i % 3));
    assert.ok(enc.byteLength / 120 < 3, `bytes/sample ${enc.byteLength / 120}`);
  });

  it('filters by time range when decoding', () => {
    const enc = new XorEncoder();
    for (let i = 0; i < 10; i++) enc.append(i * 10, i);
    const ts = new Float64Array(10);
    const vs = new Float64Array(10);
    const n = decodeChunkInto(enc.bytes(), ts, vs, 0, 25, 60);
    assert.deepEqual(Array.from(ts.subarray(0, n)), [30, 40, 50, 60]);
    assert.deepEqual(Array.from(vs.subarray(0, n)), [3, 4, 5, 6]);
  });

  it('round-trips random timestamps and arbitrary float bit patterns (property)', () => {
    const delta = fc.oneof(
      fc.constant(15_000),
      fc.integer({ min: 14_000, max: 16_000 }),
      fc.integer({ min: 1, max: 10 }),
      fc.integer({ min: 1, max: 2 ** 40 }),
    );
    const value = fc.oneof(
      fc.double(),
      fc
        .tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }))
        .map(([hi, lo]) => fromBits(hi, lo)),
      fc.constantFrom(STALE_NAN, -0, Number.POSITIVE_INFINITY, 42),
      fc.integer({ min: -1000, max: 1000 }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: -(2 ** 45), max: 2 ** 45 }),
        fc.array(fc.tuple(delta, value), { minLength: 1, maxLength: 200 }),
        (start, steps) => {
          const ts: number[] = [];
          const vs: number[] = [];
          let t = start;
          for (const [d, v] of steps) {
            t += d;
            ts.push(t);
            vs.push(v);
          }
          roundTrip(ts, vs);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('resume points give the same answer as a full decode while the chunk grows (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 100 }), fc.double()), { minLength: 1, maxLength: 120 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 12_000 }), fc.integer({ min: 0, max: 3000 })), {
          maxLength: 12,
        }),
        (steps, queries) => {
          const enc = new XorEncoder(8);
          const resume = newResumePoint();
          const ts = new Float64Array(120);
          const vs = new Float64Array(120);
          const ts2 = new Float64Array(120);
          const vs2 = new Float64Array(120);
          let t = 0;
          let q = 0;
          for (let i = 0; i < steps.length; i++) {
            t += steps[i][0];
            enc.append(t, steps[i][1]);
            // Interleave queries with appends, as rule evaluation does.
            if (q < queries.length && i % 10 === 9) {
              const [mint, span] = queries[q++];
              const n1 = decodeChunkInto(enc.w.buf, ts, vs, 0, mint, mint + span, resume);
              const n2 = decodeChunkInto(enc.bytes(), ts2, vs2, 0, mint, mint + span);
              assert.equal(n1, n2);
              assert.deepEqual(Array.from(ts.subarray(0, n1)), Array.from(ts2.subarray(0, n2)));
              assert.deepEqual(
                Array.from(vs.subarray(0, n1), bitsOf),
                Array.from(vs2.subarray(0, n2), bitsOf),
              );
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
