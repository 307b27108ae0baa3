import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { consoleRoutes, isReserved, wantsHtml } from './console-routes.ts';

// What Chromium sends when it navigates.
const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

describe('console routes on a built console', () => {
  let dir: string;
  let app: FastifyInstance;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-console-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Vigil console</title>');
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    app = Fastify();
    // Real routes registered before and after the console must both win over its fallback.
    app.get('/api/v1/things/:id', async (req) => ({ id: (req.params as { id: string }).id }));
    await app.register(consoleRoutes({ distDir: dir }));
    app.get('/ofrep/v1/evaluate/flags/:key', async () => ({ value: true }));
    app.get('/status/:page', async () => ({ page: 'ok' }));
    await app.ready();
  });
  after(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('serves index.html at / and for client-side routes, never cached', async () => {
    for (const url of ['/', '/services', '/services/payments-api/edit', '/audit?actor=x']) {
      const res = await app.inject({ url, headers: { accept: HTML } });
      assert.equal(res.statusCode, 200, url);
      assert.match(res.body, /Vigil console/);
      assert.match(String(res.headers['content-type']), /text\/html/);
      assert.equal(res.headers['cache-control'], 'no-cache');
      assert.match(String(res.headers['content-security-policy']), /default-src 'self'/);
    }
  });

  test('API clients (no text/html in Accept) get a problem for unknown paths, but / still answers', async () => {
    const res = await app.inject({ url: '/services', headers: { accept: 'application/json' } });
    assert.equal(res.statusCode, 404);
    assert.match(String(res.headers['content-type']), /application\/problem\+json/);
    assert.equal((await app.inject({ url: '/teams' })).statusCode, 404);
    assert.match((await app.inject({ url: '/' })).body, /Vigil console/);
  });

  test('hashed assets are immutable; missing assets are 404, not the page', async () => {
    const res = await app.inject({ url: '/assets/index-abc123.js' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, 'console.log(1)');
    assert.match(String(res.headers['cache-control']), /immutable/);
    assert.match(String(res.headers['cache-control']), /max-age=31536000/);
    assert.equal((await app.inject({ url: '/assets/nope.js' })).statusCode, 404);
    assert.equal((await app.inject({ url: '/missing.png' })).statusCode, 404);
    const icon = await app.inject({ url: '/favicon.svg' });
    assert.equal(icon.statusCode, 200);
    assert.match(icon.body, /svg/);
  });

  test('real routes win over the fallback, whatever the registration order', async () => {
    assert.deepEqual((await app.inject({ url: '/api/v1/things/7' })).json(), { id: '7' });
    assert.deepEqual((await app.inject({ url: '/ofrep/v1/evaluate/flags/x' })).json(), { value: true });
    assert.deepEqual((await app.inject({ url: '/status/main' })).json(), { page: 'ok' });
  });

  test('unknown paths under reserved prefixes are problem+json 404s', async () => {
    for (const url of ['/api/v1/nope', '/api', '/health/whatever', '/metrics/x', '/ofrep/v2', '/status']) {
      const res = await app.inject({ url, headers: { accept: HTML } });
      assert.equal(res.statusCode, 404, url);
      assert.match(String(res.headers['content-type']), /application\/problem\+json/, url);
      assert.doesNotMatch(res.body, /Vigil console/);
    }
  });

  test('path traversal does not escape the build folder', async () => {
    const res = await app.inject({ url: '/assets/..%2F..%2F..%2Fetc%2Fpasswd' });
    assert.notEqual(res.statusCode, 200);
  });
});

test('without a build the console explains how to build it', async () => {
  const app = Fastify();
  await app.register(consoleRoutes({ distDir: join(tmpdir(), 'vigil-console-missing-dist') }));
  const res = await app.inject({ url: '/teams', headers: { accept: HTML } });
  assert.equal(res.statusCode, 503);
  assert.match(res.body, /npm run build:web/);
  await app.close();
});

test('wantsHtml recognises browser navigations only', () => {
  assert.equal(wantsHtml(HTML), true);
  assert.equal(wantsHtml('application/json'), false);
  assert.equal(wantsHtml('*/*'), false);
  assert.equal(wantsHtml(undefined), false);
});

test('isReserved matches prefixes, not look-alikes', () => {
  assert.equal(isReserved('/api/v1/services'), true);
  assert.equal(isReserved('/version'), true);
  assert.equal(isReserved('/apiary'), false);
  assert.equal(isReserved('/services'), false);
});

describe('console module inside the composed app', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp('sqlite');
  });
  after(() => t.close());

  test('API, health, version and unknown API paths keep their own answers', async () => {
    const list = await t.request('GET', '/api/v1/teams');
    assert.equal(list.statusCode, 200);
    assert.ok(Array.isArray(list.json().items));
    assert.equal((await t.request('GET', '/version')).json().version.length > 0, true);
    assert.equal((await t.request('GET', '/health/live')).json().status, 'ok');
    const nope = await t.request('GET', '/api/v1/definitely-not-a-route');
    assert.equal(nope.statusCode, 404);
    assert.equal(nope.json().type, 'urn:vigil:problem:not-found');
    const post = await t.request('POST', '/teams', {});
    assert.equal(post.statusCode, 404);
  });

  test('client-side routes get the console page (or the build hint)', async () => {
    const res = await t.request('GET', '/teams/platform', undefined, {
      token: null,
      headers: { accept: HTML },
    });
    assert.ok([200, 503].includes(res.statusCode));
    assert.match(String(res.headers['content-type']), /text\/html/);
  });
});
