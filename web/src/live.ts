/**
 * Live updates: one EventSource on /api/v1/events/stream (the session cookie authenticates it).
 * Vigil names each SSE event after its domain type (`team.created` …); EventSource only delivers
 * named events to listeners for that name, so the hub adds a listener per type that a screen asks for.
 */
import { useEffect, useRef, useState } from 'react';

/** One timeline event as the stream and /api/v1/events present it. */
export interface LiveEvent {
  id: string;
  seq: number;
  at: string;
  type: string;
  subject: { kind: string; key: string };
  actor: string;
  data: unknown;
}

type Handler = (e: LiveEvent) => void;
type State = 'connecting' | 'live' | 'offline';

let source: EventSource | null = null;
const handlers = new Map<string, Set<Handler>>();
const attached = new Set<string>();
const stateListeners = new Set<(s: State) => void>();
let state: State = 'offline';

function setState(s: State) {
  state = s;
  for (const fn of stateListeners) fn(s);
}

function attach(type: string) {
  if (!source || attached.has(type)) return;
  attached.add(type);
  source.addEventListener(type, (msg) => {
    let e: LiveEvent;
    try {
      e = JSON.parse((msg as MessageEvent).data);
    } catch {
      return;
    }
    for (const fn of handlers.get(type) ?? []) fn(e);
  });
}

/** Opens the stream (after sign-in). Safe to call twice. */
export function connectLive(): void {
  if (source) return;
  setState('connecting');
  source = new EventSource('/api/v1/events/stream', { withCredentials: true });
  source.onopen = () => setState('live');
  // EventSource reconnects by itself; show that while it does.
  source.onerror = () => setState(source?.readyState === EventSource.CLOSED ? 'offline' : 'connecting');
  for (const type of handlers.keys()) attach(type);
}

/** Closes the stream (on sign-out). */
export function disconnectLive(): void {
  source?.close();
  source = null;
  attached.clear();
  setState('offline');
}

/** The catalog's event types for `kinds` (created, updated, deleted). */
export function catalogTypes(...kinds: string[]): string[] {
  return kinds.flatMap((k) => [`${k}.created`, `${k}.updated`, `${k}.deleted`]);
}

/** Calls `fn` for each live event of the given types while the component is mounted. */
export function useLiveEvents(types: string[], fn: Handler): void {
  const ref = useRef(fn);
  ref.current = fn;
  const key = types.join(',');
  useEffect(() => {
    const list = key.split(',').filter(Boolean);
    const h: Handler = (e) => ref.current(e);
    for (const t of list) {
      if (!handlers.has(t)) handlers.set(t, new Set());
      handlers.get(t)!.add(h);
      attach(t);
    }
    return () => {
      for (const t of list) handlers.get(t)?.delete(h);
    };
  }, [key]);
}

/** The stream's connection state, for the header indicator. */
export function useLiveState(): State {
  const [s, setS] = useState<State>(state);
  useEffect(() => {
    stateListeners.add(setS);
    setS(state);
    return () => {
      stateListeners.delete(setS);
    };
  }, []);
  return s;
}
