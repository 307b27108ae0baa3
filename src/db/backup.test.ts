import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestApp } from '../../test/support/app.ts';
import { createTestDb, testBothDbs } from '../../test/support/db.ts';
import { backupTo, restoreFrom } from './backup.ts';

async function snapshot(t: Awaited<ReturnType<typeof createTestApp>>) {
  const teams = (await t.request('GET', '/api/v1/teams')).json().items;
  const services = (await t.request('GET', '/api/v1/services')).json().items;
  const audit = (await t.request('GET', '/api/v1/audit?limit=500')).json().items.length;
  return { teams, services, audit };
}

testBothDbs(
  'backup/restore: a snapshot taken while running comes back exactly (also across engines)',
  async (h) => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-backup-'));
    const t = await createTestApp(h);
    try {
      await t.request('POST', '/api/v1/teams', { key: 'ops', name: 'Ops' });
      await t.request('POST', '/api/v1/services', { key: 'api', name: 'API', owner: 'ops', tags: ['a'] });
      const before = await snapshot(t);
      const file = join(dir, 'vigil.backup');
      const summary = await backupTo(t.app.db, file, t.clock.now());
      assert.equal(summary.tables.config_objects, 2);

      // Changes after the snapshot are undone by the restore.
      await t.request('DELETE', '/api/v1/services/api');
      await t.request('POST', '/api/v1/teams', { key: 'later', name: 'Later' });
      await restoreFrom(t.app.db, file);
      assert.deepEqual(await snapshot(t), before);
      assert.equal((await t.request('GET', '/api/v1/audit/verify')).json().ok, true);
      // Sequences continue after the restored rows; tokens still authenticate.
      assert.equal((await t.request('POST', '/api/v1/teams', { key: 'next', name: 'Next' })).statusCode, 201);
      assert.equal((await t.request('GET', '/api/v1/audit/verify')).json().ok, true);

      // The format is engine-neutral: restore into a fresh store of the other engine.
      const other = await createTestDb(h.dialect === 'sqlite' ? 'postgres' : 'sqlite').catch(() => null);
      if (other) {
        try {
          const r = await restoreFrom(other.db, file);
          assert.equal(r.tables.config_objects, 2);
          const t2 = await createTestApp(other);
          try {
            assert.deepEqual((await t2.request('GET', '/api/v1/services')).json().items, before.services);
          } finally {
            await t2.close();
          }
        } finally {
          await other.destroy();
        }
      }

      // A file that is not a backup is refused and changes nothing.
      const junk = join(dir, 'junk');
      writeFileSync(junk, 'not a backup');
      await assert.rejects(restoreFrom(t.app.db, junk), /cannot read backup/);
      assert.equal((await t.request('GET', '/api/v1/teams/next')).statusCode, 200);
    } finally {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
