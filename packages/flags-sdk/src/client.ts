/**
 * The flag-set client: downloads one environment's served flags from Vigil
 * (`GET /api/v1/flag-sets/{env}` with a client key), refreshes them by ETag polling, and evaluates
 * locally with Vigil's compiled engine (so results equal the server's OFREP answers).
 */
import { type CompiledFlagSet, compileFlagSet } from '../../../src/modules/flags/evaluate.ts';
import type {
  EvaluateOptions,
  EvaluationContext,
  EvaluationResult,
  Flag,
  Segment,
} from '../../../src/modules/flags/flag.ts';

export interface VigilFlagsOptions {
  /** Vigil's base URL, e.g. `https://vigil.example`. */
  baseUrl: string;
  /** A client key for `env` (`vfk_…`). */
  clientKey: string;
  env: string;
  /** Polling period; 0 disables polling (call `refresh()` yourself). Default 30 s. */
  pollIntervalMs?: number;
  /** Injected fetch (tests, proxies). */
  fetch?: typeof fetch;
}

interface FlagSetDocument {
  env: string;
  etag: string;
  flags: Flag[];
  segments: Segment[];
}

/** Raised when Vigil refuses the key or the environment, or answers unexpectedly. */
export class FlagSetError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'FlagSetError';
  }
}

export class VigilFlagsClient {
  private set: CompiledFlagSet | null = null;
  private etag: string | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private listeners = new Set<(e: { type: 'changed' | 'error'; error?: unknown }) => void>();
  private readonly fetchFn: typeof fetch;

  constructor(private opts: VigilFlagsOptions) {
    this.fetchFn = opts.fetch ?? fetch;
  }

  /** Downloads the set once (throws when it cannot) and starts polling. */
  async start(): Promise<void> {
    await this.refresh();
    const every = this.opts.pollIntervalMs ?? 30_000;
    if (every > 0 && !this.timer) {
      this.timer = setInterval(() => {
        this.refresh().catch((error) => this.emit({ type: 'error', error }));
      }, every);
      this.timer.unref?.();
    }
  }

  /** Stops polling. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Fetches the set if it changed (If-None-Match); true when a new set was installed. */
  async refresh(): Promise<boolean> {
    const url = `${this.opts.baseUrl.replace(/\/+$/, '')}/api/v1/flag-sets/${encodeURIComponent(this.opts.env)}`;
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.opts.clientKey}`,
      accept: 'application/json',
    };
    if (this.etag) headers['if-none-match'] = this.etag;
    const res = await this.fetchFn(url, { headers });
    if (res.status === 304) return false;
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      throw new FlagSetError(
        `flag set for "${this.opts.env}": HTTP ${res.status} ${text}`.trim(),
        res.status,
      );
    }
    const doc = (await res.json()) as FlagSetDocument;
    if (!doc || !Array.isArray(doc.flags) || !Array.isArray(doc.segments)) {
      throw new FlagSetError('flag set response has no flags/segments');
    }
    this.set = compileFlagSet(doc.flags, doc.segments, this.opts.env);
    this.etag = res.headers.get('etag') ?? doc.etag;
    this.emit({ type: 'changed' });
    return true;
  }

  /** True once a set has been downloaded. */
  get ready(): boolean {
    return this.set !== null;
  }

  /** The ETag of the installed set. */
  get version(): string | null {
    return this.etag;
  }

  /** Evaluates locally; before the first download every flag is FLAG_NOT_FOUND. */
  evaluate(key: string, context: EvaluationContext = {}, opts: EvaluateOptions = {}): EvaluationResult {
    if (!this.set) {
      return {
        value: opts.defaultValue,
        reason: 'ERROR',
        errorCode: 'GENERAL',
        errorMessage: 'flag set not loaded',
      };
    }
    return this.set.evaluate(key, context, { now: Date.now(), ...opts });
  }

  /** Listens for set changes and polling errors; returns an unsubscribe function. */
  on(fn: (e: { type: 'changed' | 'error'; error?: unknown }) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(e: { type: 'changed' | 'error'; error?: unknown }): void {
    for (const l of this.listeners) l(e);
  }
}
