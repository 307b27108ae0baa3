/**
 * Prometheus remote_write 1.0: a snappy-compressed (block format) protobuf `WriteRequest`.
 * Only the fields Vigil stores are decoded (timeseries → labels, samples); exemplars, native
 * histograms and metadata are skipped by wire type, so newer senders still decode.
 *
 *   WriteRequest { repeated TimeSeries timeseries = 1; repeated MetricMetadata metadata = 3; }
 *   TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; ... }
 *   Label        { string name = 1; string value = 2; }
 *   Sample       { double value = 1; int64 timestamp = 2; }
 */
import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import snappy from 'snappyjs';
import type { Label } from './storage.ts';

export interface WriteSeries {
  labels: Label[];
  timestamps: number[];
  values: number[];
}

export class RemoteWriteError extends Error {}

/** Largest decompressed request accepted (Prometheus sends ~1–4 MB batches). */
export const MAX_DECOMPRESSED = 64 * 1024 * 1024;

/** Decompresses and decodes a remote_write body. Throws RemoteWriteError on malformed input. */
export function decodeWriteRequest(body: Uint8Array): WriteSeries[] {
  let raw: Uint8Array;
  try {
    raw = snappy.uncompress(body, MAX_DECOMPRESSED);
  } catch (err) {
    throw new RemoteWriteError(`snappy decode failed: ${(err as Error).message}`);
  }
  try {
    const r = new BinaryReader(raw);
    const out: WriteSeries[] = [];
    while (r.pos < r.len) {
      const [field, wt] = r.tag();
      if (field === 1 && wt === WireType.LengthDelimited) out.push(decodeSeries(r.bytes()));
      else r.skip(wt);
    }
    return out;
  } catch (err) {
    if (err instanceof RemoteWriteError) throw err;
    throw new RemoteWriteError(`protobuf decode failed: ${(err as Error).message}`);
  }
}

function decodeSeries(buf: Uint8Array): WriteSeries {
  const r = new BinaryReader(buf);
  const s: WriteSeries = { labels: [], timestamps: [], values: [] };
  while (r.pos < r.len) {
    const [field, wt] = r.tag();
    if (field === 1 && wt === WireType.LengthDelimited) {
      const lr = new BinaryReader(r.bytes());
      let name = '';
      let value = '';
      while (lr.pos < lr.len) {
        const [f, w] = lr.tag();
        if (f === 1 && w === WireType.LengthDelimited) name = lr.string();
        else if (f === 2 && w === WireType.LengthDelimited) value = lr.string();
        else lr.skip(w);
      }
      s.labels.push({ name, value });
    } else if (field === 2 && wt === WireType.LengthDelimited) {
      const sr = new BinaryReader(r.bytes());
      let v = 0;
      let t = 0;
      while (sr.pos < sr.len) {
        const [f, w] = sr.tag();
        if (f === 1 && w === WireType.Bit64) v = sr.double();
        else if (f === 2 && w === WireType.Varint) t = Number(sr.int64());
        else sr.skip(w);
      }
      s.values.push(v);
      s.timestamps.push(t);
    } else {
      r.skip(wt);
    }
  }
  s.labels.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return s;
}

/** Encodes series as a compressed remote_write body (forwarding to another store; tests). */
export function encodeWriteRequest(series: WriteSeries[]): Uint8Array {
  const w = new BinaryWriter();
  for (const s of series) {
    w.tag(1, WireType.LengthDelimited).fork();
    for (const l of s.labels) {
      w.tag(1, WireType.LengthDelimited).fork().tag(1, WireType.LengthDelimited).string(l.name);
      w.tag(2, WireType.LengthDelimited).string(l.value).join();
    }
    for (let i = 0; i < s.values.length; i++) {
      w.tag(2, WireType.LengthDelimited).fork().tag(1, WireType.Bit64).double(s.values[i]);
      w.tag(2, WireType.Varint).int64(s.timestamps[i]).join();
    }
    w.join();
  }
  return snappy.compress(w.finish());
}
