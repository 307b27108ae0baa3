/**
 * WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside whichever commit
 * crosses the threshold, so with better-sqlite3 (synchronous) it stalls the event loop while it
 * copies pages and syncs the database file. Here the main connection's auto-checkpoint is off and
 * a worker thread with its own connection runs PASSIVE checkpoints (which never block the writer).
 *
 * The worker starts lazily, the first time the WAL file outgrows `startAtBytes`, so short-lived
 * stores (CLI commands, tests) never pay for a thread; the main connection's own close still
 * checkpoints and removes the WAL. If the worker cannot start or dies, the main connection goes
 * back to automatic checkpoints, so the WAL never grows without bound.
 */
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type SQLite from 'better-sqlite3';

const require = createRequire(import.meta.url);

/** Plain JavaScript (eval'd worker), so it runs the same with or without a TypeScript loader. */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const SQLite = require(workerData.driver);
const db = new SQLite(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
let frames = 0;
const checkpoint = () => {
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    frames += r.checkpointed;
    parentPort.postMessage({ type: 'checkpointed', log: r.log, checkpointed: r.checkpointed, total: frames });
  } catch (err) {
    parentPort.postMessage({ type: 'error', message: String(err && err.message || err) });
  }
};
const timer = setInterval(checkpoint, workerData.everyMs);
parentPort.on('message', (m) => {
  if (m === 'now') checkpoint();
  if (m === 'close') {
    clearInterval(timer);
    db.close();
    parentPort.close();
  }
});
parentPort.postMessage({ type: 'ready' });
`;

export interface CheckpointerOptions {
  /** WAL size that starts the worker (bytes). */
  startAtBytes?: number;
  /** How often the worker checkpoints, and how often the WAL size is looked at until then (ms). */
  everyMs?: number;
  /** Observes the worker's state (tests, metrics). */
  onEvent?: (e: { type: string; [k: string]: unknown }) => void;
}

export class BackgroundCheckpointer {
  private worker: Worker | null = null;
  private watch: NodeJS.Timeout | null = null;
  private closed = false;
  /** Frames the worker has copied back into the database file (all time). */
  checkpointedFrames = 0;

  constructor(
    private database: SQLite.Database,
    private path: string,
    private o: CheckpointerOptions = {},
  ) {
    this.database.pragma('wal_autocheckpoint = 0');
    // Infrastructure timing (not domain time): a cheap stat of the WAL until the worker is needed.
    this.watch = setInterval(() => this.maybeStart(), this.o.everyMs ?? 1000);
    this.watch.unref();
  }

  get running(): boolean {
    return this.worker !== null;
  }

  /** Starts the worker now if the WAL is over the threshold (also called by the watch timer). */
  maybeStart(): void {
    if (this.worker || this.closed) return;
    let size = 0;
    try {
      size = statSync(`${this.path}-wal`).size;
    } catch {
      return; // no WAL yet
    }
    if (size >= (this.o.startAtBytes ?? 4 * 1024 * 1024)) this.start();
  }

  private start(): void {
    if (this.watch) clearInterval(this.watch);
    this.watch = null;
    try {
      const w = new Worker(WORKER, {
        eval: true,
        workerData: {
          driver: require.resolve('better-sqlite3'),
          path: this.path,
          everyMs: this.o.everyMs ?? 1000,
        },
      });
      w.unref();
      w.on('message', (m: { type: string; total?: number }) => {
        if (m.type === 'checkpointed') this.checkpointedFrames = m.total ?? this.checkpointedFrames;
        this.o.onEvent?.(m);
      });
      w.on('error', (err) => this.fallBack(err));
      w.on('exit', () => {
        if (!this.closed) this.fallBack(new Error('checkpoint worker exited'));
      });
      w.postMessage('now');
      this.worker = w;
    } catch (err) {
      this.fallBack(err);
    }
  }

  /** Back to SQLite's automatic checkpoints on the main connection. */
  private fallBack(err: unknown): void {
    this.worker = null;
    if (this.closed) return;
    this.closed = true;
    try {
      this.database.pragma('wal_autocheckpoint = 1000');
    } catch {
      // The connection is closing.
    }
    this.o.onEvent?.({ type: 'fallback', message: err instanceof Error ? err.message : String(err) });
  }

  /** Stops the worker (its connection closes first, so the main connection's close can remove the WAL). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.watch) clearInterval(this.watch);
    this.watch = null;
    const w = this.worker;
    this.worker = null;
    if (!w) return;
    // Held open until the worker has closed its connection (it is unref'd while it works).
    w.ref();
    await new Promise<void>((resolve) => {
      const stuck = setTimeout(() => void w.terminate(), 5000);
      w.once('exit', () => {
        clearTimeout(stuck);
        resolve();
      });
      w.postMessage('close');
    });
  }
}
