/**
 * The audit trail as JSON Lines: one event per line, in chain order, with `prev_hash` and `hash`,
 * so any contiguous slice (an export, an archive file) can be verified on its own from its first
 * `prev_hash`. Used by the export API, the archive files and `vigil audit verify-file`.
 */
import type { Db } from '../../db/db.ts';
import { type AuditEvent, chainHash, GENESIS, toAudit } from './audit.ts';

/** One exported line (snake_case, ISO time plus epoch ms for exact re-hashing). */
export function auditLine(e: AuditEvent): string {
  return JSON.stringify({
    seq: e.seq,
    id: e.id,
    at: new Date(e.at).toISOString(),
    at_ms: e.at,
    actor: e.actor,
    action: e.action,
    object: e.object,
    before: e.before,
    after: e.after,
    request_id: e.requestId,
    source_ip: e.sourceIp,
    prev_hash: e.prevHash,
    hash: e.hash,
  });
}

/** Events in chain order, `from` ≤ at < `to`, optionally bounded by sequence, in pages. */
export async function* auditEvents(
  db: Db,
  f: { from?: number; to?: number; maxSeq?: number; pageSize?: number } = {},
): AsyncGenerator<AuditEvent> {
  let after = -1;
  for (;;) {
    let q = db.kysely
      .selectFrom('audit_events')
      .selectAll()
      .where('seq', '>', after)
      .orderBy('seq', 'asc')
      .limit(f.pageSize ?? 1000);
    if (f.from !== undefined) q = q.where('at', '>=', f.from);
    if (f.to !== undefined) q = q.where('at', '<', f.to);
    if (f.maxSeq !== undefined) q = q.where('seq', '<=', f.maxSeq);
    const rows = await q.execute();
    if (rows.length === 0) return;
    for (const r of rows) yield toAudit(r);
    after = Number(rows[rows.length - 1].seq);
  }
}

export interface SliceCheck {
  ok: boolean;
  count: number;
  firstPrevHash: string | null;
  lastHash: string | null;
  /** Line number (1-based) of the first problem. */
  brokenAtLine?: number;
  reason?: string;
}

/**
 * Verifies JSONL lines as a contiguous chain slice: each line's hash matches its content and the
 * previous line's hash. `expectPrev` pins the first line's prev_hash (e.g. an archive boundary).
 * Lines whose first key is `"archive"` (archive headers) are skipped.
 */
export function verifyLines(lines: Iterable<string>, expectPrev?: string): SliceCheck {
  let prev: string | null = expectPrev ?? null;
  let first: string | null = null;
  let count = 0;
  let n = 0;
  const fail = (reason: string): SliceCheck => ({
    ok: false,
    count,
    firstPrevHash: first,
    lastHash: prev,
    brokenAtLine: n,
    reason,
  });
  for (const line of lines) {
    n++;
    if (!line.trim()) continue;
    let e: Record<string, any>;
    try {
      e = JSON.parse(line);
    } catch {
      return fail('not valid JSON');
    }
    if ('archive' in e) continue;
    if (first === null) first = e.prev_hash;
    if (prev !== null && e.prev_hash !== prev) return fail('previous-hash mismatch');
    const before = e.before === null || e.before === undefined ? null : JSON.stringify(e.before);
    const after = e.after === null || e.after === undefined ? null : JSON.stringify(e.after);
    const at = typeof e.at_ms === 'number' ? e.at_ms : Date.parse(e.at);
    const expect = chainHash(
      e.prev_hash,
      {
        id: e.id,
        at,
        actor: e.actor,
        action: e.action,
        object: e.object,
        requestId: e.request_id ?? null,
        sourceIp: e.source_ip ?? null,
      },
      before,
      after,
    );
    if (expect !== e.hash) return fail('content does not match its hash');
    prev = e.hash;
    count++;
  }
  return { ok: true, count, firstPrevHash: first ?? expectPrev ?? null, lastHash: prev };
}

export { GENESIS };
