import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { murmur3, murmur3Prefix, murmur3Resume } from './murmur3.ts';

// Straightforward byte-array reference (the textbook algorithm over Buffer UTF-8 bytes).
function reference(s: string, seed = 0): number {
  const data = Buffer.from(s, 'utf8');
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed | 0;
  const nblocks = data.length >> 2;
  for (let i = 0; i < nblocks; i++) {
    let k = data.readUInt32LE(i * 4);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  const tail = nblocks * 4;
  const rem = data.length & 3;
  if (rem > 0) {
    if (rem === 3) k ^= data[tail + 2] << 16;
    if (rem >= 2) k ^= data[tail + 1] << 8;
    k ^= data[tail];
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  h ^= data.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

describe('murmur3 x86_32', () => {
  it('matches published vectors', () => {
    assert.equal(murmur3(''), 0);
    assert.equal(murmur3('', 1), 0x514e28b7);
    assert.equal(murmur3('', 0xffffffff), 0x81f16f39);
    assert.equal(murmur3('hello'), 0x248bfa47);
    assert.equal(murmur3('The quick brown fox jumps over the lazy dog'), 0x2e4ff723);
    assert.equal(murmur3('The quick brown fox jumps over the lazy dog', 0x9747b28c), 0x2fa826cd);
  });

  it('equals the byte-array reference on arbitrary unicode (UTF-8 encoding, surrogates)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        (s, seed) => {
          assert.equal(murmur3(s, seed), reference(s, seed));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('resumes from a prefix state exactly like hashing the concatenation', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 20 }), fc.string({ maxLength: 20 }), (a, b) => {
        assert.equal(murmur3Resume(murmur3Prefix(a), b), murmur3(a + b));
      }),
      { numRuns: 300 },
    );
  });

  it('agrees with imurmurhash (what flagd-core uses) on ASCII', () => {
    const MurmurHash3 = createRequire(import.meta.url)('imurmurhash');
    for (const s of ['flag-key-1user-1', 'headerColorjohn@example.com', 'a', 'abcd', 'abcde']) {
      assert.equal(murmur3(s), new MurmurHash3(s).result() >>> 0);
    }
  });
});
