import assert from 'node:assert/strict';
import { testBothDbs } from '../../../test/support/db.ts';
import { MINUTE } from '../../kernel/clock.ts';
import { advance, incidentApp } from './testing.ts';

testBothDbs(
  'incidents list: open first with cursor pages, search, commander/breach/time filters, next states',
  async (h) => {
    const t = await incidentApp(h);
    try {
      const open = async (title: string, severity = 'sev3', service = 'api') => {
        const r = await t.request('POST', '/api/v1/incidents', { title, severity, service });
        assert.equal(r.statusCode, 201, r.body);
        return r.json() as { id: string; human_id: string; next_statuses: string[] };
      };
      const a = await open('Checkout 100% failing');
      assert.deepEqual(a.next_statuses, [
        'acknowledged',
        'investigating',
        'identified',
        'monitoring',
        'resolved',
        'declined',
        'merged',
        'cancelled',
      ]);
      await advance(t, MINUTE);
      const b = await open('Slow search', 'sev1', 'worker');
      await advance(t, MINUTE);
      const c = await open('Login errors');
      // The oldest is resolved: it sorts after the open ones when open ones come first.
      let r = await t.request('POST', `/api/v1/incidents/${a.id}/resolve`);
      assert.deepEqual(r.json().next_statuses, []);
      assert.equal(r.json().commander_required, false);
      // sev1 (rank 0) needs a commander before a person resolves it; the detail says so.
      r = await t.request('GET', `/api/v1/incidents/${b.human_id}`);
      assert.equal(r.json().commander_required, true);
      r = await t.request('POST', `/api/v1/incidents/${b.id}/roles`, { commander: 'ann@ff.test' });
      assert.equal(r.json().commander, 'ann@ff.test');
      // Linking an alert keeps the version (no 412 for people acting meanwhile), so the detail
      // is never answered with 304 from a version ETag: it would hide the new alert.
      const etag = r.headers.etag as string;
      await t.request('POST', `/api/v1/incidents/${b.id}/alerts`, { key: 'a1', title: 'A one' });
      r = await t.request('GET', `/api/v1/incidents/${b.id}`, undefined, {
        headers: { 'if-none-match': etag },
      });
      assert.equal(r.statusCode, 200);
      assert.equal(r.headers['cache-control'], 'no-store');
      assert.deepEqual(
        r.json().alerts.map((x: { key: string }) => x.key),
        ['a1'],
      );

      // Newest first (default) vs open first.
      const ids = async (qs: string) => {
        const res = await t.request('GET', `/api/v1/incidents?${qs}`);
        assert.equal(res.statusCode, 200, res.body);
        return res.json() as { items: Array<{ id: string }>; next_cursor: string | null };
      };
      assert.deepEqual(
        (await ids('')).items.map((i) => i.id),
        [c.id, b.id, a.id],
      );
      assert.deepEqual(
        (await ids('order=open_first')).items.map((i) => i.id),
        [c.id, b.id, a.id],
      );
      // Page through open-first two at a time: the resolved one lands on page 2.
      await advance(t, MINUTE);
      const d = await open('Queue backlog');
      await t.request('POST', `/api/v1/incidents/${d.id}/status`, { status: 'cancelled' });
      let page = await ids('order=open_first&limit=2');
      assert.deepEqual(
        page.items.map((i) => i.id),
        [c.id, b.id],
      );
      assert.ok(page.next_cursor);
      page = await ids(`order=open_first&limit=2&cursor=${page.next_cursor}`);
      assert.deepEqual(
        page.items.map((i) => i.id),
        [d.id, a.id],
        'closed ones, newest first',
      );
      assert.equal(page.next_cursor, null, 'no page after the last one');
      page = await ids('limit=3');
      page = await ids(`limit=3&cursor=${page.next_cursor}`);
      assert.deepEqual(
        page.items.map((i) => i.id),
        [a.id],
      );
      r = await t.request('GET', '/api/v1/incidents?order=open_first&cursor=bogus');
      assert.equal(r.statusCode, 400);
      assert.match(r.json().detail, /cursor/);

      // Search by title (case-insensitive, % is literal) and by human id.
      assert.deepEqual(
        (await ids('q=LOGIN')).items.map((i) => i.id),
        [c.id],
      );
      assert.deepEqual(
        (await ids('q=100%25')).items.map((i) => i.id),
        [a.id],
      );
      assert.deepEqual(
        (await ids('q=0%25')).items.map((i) => i.id),
        [a.id],
        '"0%" matches only the literal text',
      );
      assert.deepEqual(
        (await ids(`q=${b.human_id.toLowerCase()}`)).items.map((i) => i.id),
        [b.id],
      );
      assert.deepEqual(
        (await ids('commander=ann@ff.test')).items.map((i) => i.id),
        [b.id],
      );
      assert.deepEqual(
        (await ids('open=false')).items.map((i) => i.id),
        [d.id, a.id],
      );

      // Opened-time window [from, to).
      const at = (await t.request('GET', `/api/v1/incidents/${b.id}`)).json().opened_at as string;
      assert.deepEqual(
        (await ids(`from=${encodeURIComponent(at)}&to=${Date.parse(at) + MINUTE}`)).items.map((i) => i.id),
        [b.id],
      );
      r = await t.request('GET', '/api/v1/incidents?from=yesterday');
      assert.equal(r.statusCode, 400);

      // Breached: after a day only the open, never-acknowledged one (sev1, 5 min target) has breached.
      await t.request('POST', `/api/v1/incidents/${c.id}/acknowledge`);
      await advance(t, 25 * 60 * MINUTE);
      assert.deepEqual(
        (await ids('breached=true')).items.map((i) => i.id),
        [b.id],
      );
      assert.deepEqual(
        (await ids('breached=false&open=true')).items.map((i) => i.id),
        [c.id],
      );
    } finally {
      await t.close();
    }
  },
);
