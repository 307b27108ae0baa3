/**
 * The background checkpointer: the main connection never checkpoints inside a commit, the worker
 * starts once the WAL outgrows its threshold and keeps the WAL from growing, a failing worker
 * hands checkpoints back to SQLite, and closing leaves no WAL behind.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import SQLite from 'better-sqlite3';
import { BackgroundCheckpointer } from './checkpointer.ts';
import { createDb } from './db.ts';

const dir = mkdtempSync(join(tmpdir(), 'vigil-ckpt-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const open = (name: string) => {
  const path = join(dir, name);
  const db = new SQLite(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('create table t (id integer primary key, v blob)');
  return { db, path };
};
const write = (db: SQLite.Database, kb: number) => {
  const ins = db.prepare('insert into t (v) values (?)');
  db.transaction(() => {
    for (let i = 0; i < kb; i++) ins.run(Buffer.alloc(1024, i));
  })();
};
const walSize = (path: string) => (existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0);
const until = async (what: string, ok: () => boolean) => {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(ok(), what);
};

test('the WAL is checkpointed by the worker once it outgrows the threshold, and stays bounded', async () => {
  const { db, path } = open('a.db');
  const cp = new BackgroundCheckpointer(db, path, { startAtBytes: 256 * 1024, everyMs: 20 });
  try {
    assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 0);
    write(db, 64);
    cp.maybeStart();
    assert.equal(cp.running, false, 'a small WAL does not start the worker');
    write(db, 512);
    cp.maybeStart();
    assert.equal(cp.running, true);
    // 8 MiB more in rounds: each round's frames are checkpointed, so the WAL is reused, not grown
    // (without checkpoints it would hold all 8.5 MiB; a checkpoint racing a round may leave a
    // little more than one round behind).
    for (let round = 0; round < 16; round++) {
      const before = cp.checkpointedFrames;
      write(db, 512);
      await until('the worker checkpoints the new frames', () => cp.checkpointedFrames > before);
    }
    assert.ok(walSize(path) < 4 * 1024 * 1024, `WAL ${walSize(path)} bytes after 8.5 MiB written`);
  } finally {
    await cp.close();
    db.close();
  }
  assert.equal(existsSync(`${path}-wal`), false, 'the last close removes the WAL');
});

test('a worker that cannot run gives checkpoints back to SQLite', async () => {
  const { db, path } = open('b.db');
  const events: string[] = [];
  const cp = new BackgroundCheckpointer(db, join(dir, 'missing', 'x.db'), {
    onEvent: (e) => events.push(e.type),
  });
  try {
    (cp as unknown as { start(): void }).start();
    await until('the worker fails', () => events.includes('fallback'));
    assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 1000);
    assert.equal(cp.running, false);
  } finally {
    await cp.close();
    db.close();
  }
  assert.equal(existsSync(`${path}-wal`), false);
});

test('createDb checkpoints SQLite files in the background; in-memory stores have no checkpointer', async () => {
  const file = await createDb({ sqlitePath: join(dir, 'c.db') });
  const mem = await createDb({ sqlitePath: ':memory:' });
  try {
    assert.ok(file.checkpointer);
    assert.equal(mem.checkpointer, undefined);
  } finally {
    await file.close();
    await mem.close();
  }
  assert.equal(existsSync(join(dir, 'c.db-wal')), false);
});
