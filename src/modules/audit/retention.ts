/**
 * Audit retention: once a whole calendar month (UTC) is older than the hot period, its events
 * are written to `<archive_dir>/audit-YYYY-MM.jsonl` (a header line with the boundary hashes,
 * then one event per line), the file is synced, and then — in one transaction — the archive is
 * recorded (first prev_hash, last hash, file digest), the events are deleted and an
 * `audit.archived` event is appended. `AuditLog.verify` then starts from the recorded boundary,
 * and `verifyArchives` re-checks every file against its record and its neighbours.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Db } from '../../db/db.ts';
import { inTransaction } from '../../db/tx.ts';
import type { Engine } from '../../engines/runner.ts';
import { HOUR, parseDuration } from '../../kernel/clock.ts';
import { newId } from '../../kernel/ids.ts';
import type { CatalogService } from '../catalog/catalog-service.ts';
import type { AuditLog } from './audit.ts';
import { auditEvents, auditLine, GENESIS, verifyLines } from './jsonl.ts';
import { AUDIT_SETTINGS_KIND, type AuditSettingsSpec } from './settings.ts';

export interface ArchiveRow {
  id: string;
  period: string;
  file: string;
  from_seq: number;
  to_seq: number;
  count: number;
  prev_hash: string;
  last_hash: string;
  file_sha256: string;
  created_at: number;
}
type ArchiveDb = Kysely<{ audit_archives: ArchiveRow }>;
const adb = (db: Db) => db.kysely as unknown as ArchiveDb;

const monthStart = (t: number) => {
  const d = new Date(t);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
};
const nextMonth = (t: number) => {
  const d = new Date(t);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
};
const period = (t: number) => new Date(t).toISOString().slice(0, 7);

export class AuditRetention {
  constructor(
    private db: Db,
    private audit: AuditLog,
    private catalog: CatalogService,
    private dataDir: string,
  ) {}

  private async settings(): Promise<{ hotMs: number; dir: string } | null> {
    const o = await this.catalog.get(AUDIT_SETTINGS_KIND, 'default').catch(() => null);
    const r = (o?.spec as AuditSettingsSpec | undefined)?.retention;
    if (!r) return null;
    const dir = r.archive_dir ?? 'audit-archive';
    return { hotMs: parseDuration(r.hot), dir: isAbsolute(dir) ? dir : join(this.dataDir, dir) };
  }

  /** Archives at most one month that is entirely past the hot period; says whether more are due. */
  async step(now: number): Promise<{ archived: string | null; more: boolean }> {
    const s = await this.settings();
    if (!s) return { archived: null, more: false };
    const cutoff = now - s.hotMs;
    const oldest = await this.db.kysely
      .selectFrom('audit_events')
      .select(['seq', 'at', 'prev_hash'])
      .orderBy('seq', 'asc')
      .limit(1)
      .executeTakeFirst();
    if (!oldest) return { archived: null, more: false };
    const start = monthStart(Number(oldest.at));
    const end = nextMonth(start);
    if (end > cutoff) return { archived: null, more: false };
    // The slice is a contiguous prefix of the chain: everything up to the last event of the month.
    const last = await this.db.kysely
      .selectFrom('audit_events')
      .select(['seq', 'hash'])
      .where('at', '<', end)
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
    const toSeq = Number(last.seq);
    const counted = await this.db.kysely
      .selectFrom('audit_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('seq', '<=', toSeq)
      .executeTakeFirstOrThrow();
    const name = period(start);
    await mkdir(s.dir, { recursive: true });
    const file = join(s.dir, `audit-${name}.jsonl`);
    const header = {
      archive: 'vigil-audit',
      version: 1,
      period: name,
      from_seq: Number(oldest.seq),
      to_seq: toSeq,
      count: Number(counted.n),
      prev_hash: oldest.prev_hash,
      last_hash: last.hash,
    };
    // Write to a temporary name, sync, then rename: a crash never leaves a half file under the real name.
    const tmp = `${file}.partial`;
    const fh = await open(tmp, 'w');
    const digest = createHash('sha256');
    try {
      const write = async (line: string) => {
        digest.update(`${line}\n`);
        await fh.write(`${line}\n`);
      };
      await write(JSON.stringify(header));
      for await (const e of auditEvents(this.db, { maxSeq: toSeq })) await write(auditLine(e));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
    const fileSha = digest.digest('hex');
    await inTransaction(this.db, async (tx) => {
      await (tx.db as unknown as ArchiveDb)
        .insertInto('audit_archives')
        .values({
          id: newId(),
          period: name,
          file,
          from_seq: header.from_seq,
          to_seq: toSeq,
          count: header.count,
          prev_hash: header.prev_hash,
          last_hash: header.last_hash,
          file_sha256: fileSha,
          created_at: now,
        })
        .execute();
      await tx.db.deleteFrom('audit_events').where('seq', '<=', toSeq).execute();
      await this.audit.append(tx, {
        actor: 'system:audit-retention',
        action: 'audit.archived',
        object: { kind: 'audit-archive', key: name },
        after: {
          file,
          from_seq: header.from_seq,
          to_seq: toSeq,
          count: header.count,
          last: header.last_hash,
        },
      });
    });
    return { archived: name, more: nextMonth(end) <= cutoff };
  }

  async list(): Promise<ArchiveRow[]> {
    return (
      await adb(this.db).selectFrom('audit_archives').selectAll().orderBy('to_seq', 'asc').execute()
    ).map((r) => ({
      ...r,
      from_seq: Number(r.from_seq),
      to_seq: Number(r.to_seq),
      count: Number(r.count),
      created_at: Number(r.created_at),
    }));
  }

  /** Re-reads every archive file: digest, internal chain, boundary hashes, links between files. */
  async verifyArchives(): Promise<Array<{ period: string; file: string; ok: boolean; reason?: string }>> {
    const out = [];
    let prevLast = GENESIS;
    for (const a of await this.list()) {
      let reason: string | undefined;
      try {
        const text = await readFile(a.file, 'utf8');
        const sha = createHash('sha256').update(text).digest('hex');
        const check = verifyLines(text.split('\n'), a.prev_hash);
        if (sha !== a.file_sha256) reason = 'file digest differs from the recorded one';
        else if (!check.ok) reason = `line ${check.brokenAtLine}: ${check.reason}`;
        else if (check.count !== a.count) reason = `expected ${a.count} events, found ${check.count}`;
        else if (check.lastHash !== a.last_hash) reason = 'last hash differs from the recorded boundary';
        else if (a.prev_hash !== prevLast) reason = 'does not link to the previous archive';
      } catch (err) {
        reason = `cannot read: ${(err as Error).message}`;
      }
      prevLast = a.last_hash;
      out.push({ period: a.period, file: a.file, ok: !reason, ...(reason ? { reason } : {}) });
    }
    return out;
  }

  /** The engine: checks hourly, archives one month per step until caught up. */
  engine(): Engine {
    return {
      name: 'audit-retention',
      intervalMs: HOUR,
      step: async (now) => {
        const r = await this.step(now);
        return { more: r.more };
      },
    };
  }
}
