/**
 * One rotation layer: turn boundaries (DST-correct), whose turn it is, and the layer's shifts
 * after restrictions.
 */
import { DAY } from '../../kernel/clock.ts';
import { invalid } from '../../kernel/errors.ts';
import { compileRestriction, type Interval, restrictionWindows } from './restrictions.ts';
import {
  addDays,
  isValidZone,
  type LocalDate,
  localToMs,
  parseClock,
  parseInstant,
  parseLocalDate,
  parseTurn,
  type TurnLength,
} from './time.ts';
import type { LayerShift, RotationLayer } from './types.ts';

/** A layer with everything parsed once. */
export interface CompiledLayer {
  key: string;
  participants: string[];
  zone: string;
  turn: TurnLength;
  handoffMin: number;
  startDate: LocalDate;
  /** Instant of the first hand-off. */
  anchor: number;
  endMs: number | null;
  layer: RotationLayer;
}

/** Validates and parses a layer; `defaultZone` is the schedule's zone. */
export function compileLayer(layer: RotationLayer, defaultZone: string): CompiledLayer {
  const zone = layer.time_zone ?? defaultZone;
  if (!isValidZone(zone)) throw invalid(`layer "${layer.key}": unknown time zone "${zone}"`);
  if (!layer.participants?.length) throw invalid(`layer "${layer.key}" has no participants`);
  const turn = parseTurn(layer.turn);
  const handoffMin = parseClock(layer.handoff ?? '00:00');
  if (handoffMin === 24 * 60) throw invalid(`layer "${layer.key}": hand-off must be before 24:00`);
  const startDate = parseLocalDate(layer.start);
  for (const r of layer.restrictions ?? []) compileRestriction(r);
  const anchor = localToMs(zone, startDate, handoffMin);
  const endMs = layer.end === undefined ? null : parseInstant(layer.end);
  return {
    key: layer.key,
    participants: layer.participants,
    zone,
    turn,
    handoffMin,
    startDate,
    anchor,
    endMs,
    layer,
  };
}

/**
 * Start of turn `k`. Calendar turns are counted in local days from the start date and always
 * begin at the hand-off's wall-clock time; elapsed turns are fixed multiples of their length.
 */
export function turnStart(l: CompiledLayer, k: number): number {
  if (l.turn.kind === 'elapsed') return l.anchor + k * l.turn.ms;
  return localToMs(l.zone, addDays(l.startDate, k * l.turn.days), l.handoffMin);
}

/** Index of the turn containing `t` (negative before the layer starts). */
export function turnIndexAt(l: CompiledLayer, t: number): number {
  const approxLen = l.turn.kind === 'elapsed' ? l.turn.ms : l.turn.days * DAY;
  let k = Math.floor((t - l.anchor) / approxLen);
  // The estimate is off by at most one turn (DST moves a boundary by hours, a turn is ≥ 1 day).
  while (turnStart(l, k) > t) k--;
  while (turnStart(l, k + 1) <= t) k++;
  return k;
}

/** Whose turn `k` is: participants in order, wrapping around. */
export function participantOf(l: CompiledLayer, k: number): string {
  const n = l.participants.length;
  return l.participants[((k % n) + n) % n];
}

/**
 * Turns of the layer that intersect [from, to), intersected with its restriction windows, NOT
 * clipped to the range (each keeps its true start and end). Turn counting runs on through
 * restricted time: a restriction only hides part of a turn, it never hands the turn to the next
 * person.
 */
export function rawLayerShifts(l: CompiledLayer, from: number, to: number): LayerShift[] {
  const lo = Math.max(from, l.anchor);
  const hi = l.endMs === null ? to : Math.min(to, l.endMs);
  if (lo >= hi) return [];
  const turns: LayerShift[] = [];
  for (let k = turnIndexAt(l, lo); ; k++) {
    const start = turnStart(l, k);
    if (start >= hi) break;
    const end = turnStart(l, k + 1);
    turns.push({
      start,
      end: l.endMs === null ? end : Math.min(end, l.endMs),
      userKey: participantOf(l, k),
      layer: l.key,
      turn: k,
    });
  }
  const rs = l.layer.restrictions ?? [];
  if (rs.length === 0) return turns;
  const windows = restrictionWindows(rs, l.zone, turns[0].start, turns[turns.length - 1].end);
  return intersect(turns, windows);
}

function intersect(turns: LayerShift[], windows: Interval[]): LayerShift[] {
  const out: LayerShift[] = [];
  let j = 0;
  for (const t of turns) {
    while (j < windows.length && windows[j].end <= t.start) j++;
    for (let i = j; i < windows.length && windows[i].start < t.end; i++) {
      const start = Math.max(t.start, windows[i].start);
      const end = Math.min(t.end, windows[i].end);
      if (end > start) out.push({ ...t, start, end });
    }
  }
  return out;
}

/** The layer's shifts within [from, to), clipped to the range (for rendering layers separately). */
export function layerShifts(
  layer: RotationLayer,
  from: number,
  to: number,
  defaultZone = 'UTC',
): LayerShift[] {
  const l = compileLayer(layer, defaultZone);
  return rawLayerShifts(l, from, to)
    .filter((s) => s.end > from && s.start < to)
    .map((s) => ({ ...s, start: Math.max(s.start, from), end: Math.min(s.end, to) }));
}
