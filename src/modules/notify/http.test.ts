/** The HTTP sender under the webhook-style transports: answers, redirects, network errors. */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { post } from './transports/http.ts';

test('http post: classifies answers, follows 307/308 with the body, not other redirects', async () => {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    let b = '';
    req.on('data', (c) => (b += c));
    req.on('end', () => {
      bodies.push(`${req.method} ${req.url} ${b}`);
      if (req.url === '/moved') res.writeHead(308, { location: '/final' }).end();
      else if (req.url === '/found') res.writeHead(302, { location: '/final' }).end();
      else if (req.url === '/busy') res.writeHead(429, { 'retry-after': '7' }).end('slow down');
      else if (req.url === '/gone') res.writeHead(410).end('gone');
      else if (req.url === '/loop') res.writeHead(307, { location: '/loop' }).end();
      else res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    assert.deepEqual(await post(`${base}/x`, 'a', {}, 0), { status: 'ok', detail: 'HTTP 200: ok' });
    assert.deepEqual(await post(`${base}/moved`, 'b', {}, 0), { status: 'ok', detail: 'HTTP 200: ok' });
    assert.deepEqual(bodies.slice(-2), ['POST /moved b', 'POST /final b']);
    assert.equal((await post(`${base}/found`, 'c', {}, 0)).status, 'permanent');
    assert.deepEqual(await post(`${base}/busy`, 'd', {}, 0), {
      status: 'retryable',
      detail: 'HTTP 429: slow down',
      retryAfterMs: 7000,
    });
    assert.equal((await post(`${base}/gone`, 'e', {}, 0)).status, 'permanent');
    const loop = await post(`${base}/loop`, 'f', {}, 0);
    assert.equal(loop.status, 'permanent', 'a redirect loop ends after 3 hops');
    assert.equal((await post('not a url', 'g', {}, 0)).status, 'permanent');
    assert.equal((await post('ftp://example.test/x', 'g', {}, 0)).status, 'permanent');
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
  // Nobody listens any more: a network error is worth retrying.
  const down = await post(`${base}/x`, 'h', {}, 0);
  assert.equal(down.status, 'retryable');
  assert.match(down.detail, /^request failed: ECONNREFUSED/);
});

test('http post: a receiver that does not answer times out (retryable)', async () => {
  const server = createServer(() => {
    // never answers
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const r = await post(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, 'x', {}, 0, 200);
    assert.equal(r.status, 'retryable');
    assert.match(r.detail, /timed out after 200 ms/);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});
