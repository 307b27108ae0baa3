/** Pure parts of the e-mail transport: clickable links and List-Unsubscribe headers. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Notification } from '../types.ts';
import { linkify, listHeaders } from './email.ts';

const note = (data?: Record<string, unknown>) =>
  ({
    id: 'd1',
    idempotencyKey: 'k',
    channel: { type: 'email', config: { to: ['a@b.example'] } },
    message: { title: 't', data },
    incidentId: null,
    attempt: 1,
    now: 0,
    links: {},
  }) as Notification;

test('linkify: URLs in escaped text become links; trailing punctuation stays outside', () => {
  assert.equal(
    linkify('See https://status.example/x?a=1&amp;b=2. Or http://h.example/'),
    'See <a href="https://status.example/x?a=1&amp;b=2">https://status.example/x?a=1&amp;b=2</a>. Or <a href="http://h.example/">http://h.example/</a>',
  );
  assert.equal(linkify('no link &lt;here&gt;'), 'no link &lt;here&gt;');
});

test('listHeaders: one-click unsubscribe only with a well-formed URL list', () => {
  assert.deepEqual(
    listHeaders(
      note({
        list_unsubscribe: '<https://s.example/status/p/unsubscribe?token=abc>',
        list_unsubscribe_post: 'List-Unsubscribe=One-Click',
      }),
    ),
    {
      'List-Unsubscribe': '<https://s.example/status/p/unsubscribe?token=abc>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
  );
  assert.deepEqual(listHeaders(note()), {});
  // Header injection is refused.
  assert.deepEqual(listHeaders(note({ list_unsubscribe: '<https://x>\r\nBcc: evil@x' })), {});
  assert.deepEqual(listHeaders(note({ list_unsubscribe: 'https://no-brackets' })), {});
});
