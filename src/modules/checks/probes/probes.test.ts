import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { generate } from 'selfsigned';
import { runProbe } from './index.ts';

const DAY = 86_400_000;
const listen = (s: net.Server) =>
  new Promise<number>((r) => s.listen(0, '127.0.0.1', () => r((s.address() as net.AddressInfo).port)));
const close = (s: net.Server | dgram.Socket) =>
  new Promise<void>((r) => {
    if (s instanceof http.Server) s.closeAllConnections();
    s.close(() => r());
  });

async function freePort(): Promise<number> {
  const s = net.createServer();
  const p = await listen(s);
  await close(s);
  return p;
}

function handler(req: http.IncomingMessage, res: http.ServerResponse) {
  const url = req.url ?? '/';
  if (url === '/ok') {
    res.setHeader('content-type', 'application/json');
    return res.end(JSON.stringify({ status: 'ok', checks: { db: true }, version: '1.2' }));
  }
  if (url === '/echo-method') return res.end(`${req.method} ${req.headers['x-probe'] ?? ''}`);
  if (url === '/500') return res.writeHead(500).end('boom');
  if (url === '/redirect') return res.writeHead(302, { location: '/ok' }).end();
  if (url === '/loop') return res.writeHead(302, { location: '/loop' }).end();
  if (url === '/hang') return; // never answers
  if (url === '/huge') {
    res.writeHead(200);
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let n = 0;
    const pump = () => {
      while (n < 400 && res.write(chunk)) n++; // up to 25 MB unless the client stops reading
      if (n < 400) res.once('drain', pump);
      else res.end('needle');
    };
    res.on('close', () => (n = 400));
    return pump();
  }
  if (url === '/latin1') {
    res.setHeader('content-type', 'text/plain; charset=iso-8859-1');
    return res.end(Buffer.concat([Buffer.from([0xff, 0xfe, 0xe9]), Buffer.from(' café ready ')]));
  }
  res.writeHead(404).end();
}

describe('http probe (local server)', () => {
  const server = http.createServer(handler);
  let base = '';
  before(async () => {
    base = `http://127.0.0.1:${await listen(server)}`;
  });
  after(() => close(server));
  const now = Date.now();

  test('up with status, JSON and body assertions', async () => {
    const r = await runProbe(
      {
        type: 'http',
        url: `${base}/ok`,
        expect_status: [200],
        body_contains: '"ok"',
        body_matches: 'version":"\\d+\\.\\d+',
        json: [
          { path: 'status', equals: 'ok' },
          { path: 'checks.db', equals: true },
          { path: 'nope', exists: false },
        ],
      },
      now,
    );
    assert.equal(r.status, 'up', r.error ?? '');
    assert.equal(r.details.status_code, 200);
    assert.ok(r.latencyMs >= 0);
  });

  test('assertion failures name the field', async () => {
    const r = await runProbe(
      { type: 'http', url: `${base}/ok`, json: [{ path: 'checks.db', equals: false }] },
      now,
    );
    assert.equal(r.status, 'down');
    assert.equal(r.errorClass, 'assertion');
    assert.match(r.error!, /checks\.db is true, expected false/);
    const t = await runProbe({ type: 'http', url: `${base}/ok`, body_contains: 'degraded' }, now);
    assert.equal(t.errorClass, 'assertion');
  });

  test('method, headers and body are sent', async () => {
    const r = await runProbe(
      {
        type: 'http',
        url: `${base}/echo-method`,
        method: 'POST',
        headers: { 'x-probe': 'yes' },
        body: 'x',
        body_contains: 'POST yes',
      },
      now,
    );
    assert.equal(r.status, 'up', r.error ?? '');
  });

  test('unexpected status is a status error; 5xx accepted when listed', async () => {
    const r = await runProbe({ type: 'http', url: `${base}/500` }, now);
    assert.deepEqual([r.status, r.errorClass, r.error], ['down', 'status', 'unexpected status 500']);
    assert.equal(
      (await runProbe({ type: 'http', url: `${base}/500`, expect_status: ['5xx'] }, now)).status,
      'up',
    );
  });

  test('redirects are followed unless disabled; loops stop', async () => {
    const followed = await runProbe({ type: 'http', url: `${base}/redirect`, expect_status: [200] }, now);
    assert.equal(followed.status, 'up');
    assert.match(String(followed.details.final_url), /\/ok$/);
    const notFollowed = await runProbe(
      { type: 'http', url: `${base}/redirect`, follow_redirects: false, expect_status: [200] },
      now,
    );
    assert.equal(notFollowed.errorClass, 'status');
    assert.equal(notFollowed.details.status_code, 302);
    const loop = await runProbe({ type: 'http', url: `${base}/loop` }, now);
    assert.match(loop.error!, /redirects/);
  });

  test('timeout when the server never answers', async () => {
    const r = await runProbe({ type: 'http', url: `${base}/hang`, timeout: '200ms' }, now);
    assert.deepEqual([r.status, r.errorClass], ['down', 'timeout']);
  });

  test('refused connection and malformed URLs', async () => {
    const r = await runProbe({ type: 'http', url: `http://127.0.0.1:${await freePort()}/` }, now);
    assert.deepEqual([r.status, r.errorClass], ['down', 'connect']);
    for (const url of ['not a url', 'ftp://127.0.0.1/x', 'http://']) {
      const m = await runProbe({ type: 'http', url }, now);
      assert.deepEqual([m.status, m.errorClass], ['down', 'config'], url);
    }
  });

  test('huge bodies: only max_body_kb is read and the transfer is cut', async () => {
    const r = await runProbe(
      { type: 'http', url: `${base}/huge`, max_body_kb: 16, body_contains: 'aaaa' },
      now,
    );
    assert.equal(r.status, 'up', r.error ?? '');
    assert.equal(r.details.body_bytes, 16 * 1024);
    assert.equal(r.details.body_truncated, true);
    const needle = await runProbe(
      { type: 'http', url: `${base}/huge`, max_body_kb: 16, body_contains: 'needle' },
      now,
    );
    assert.equal(needle.errorClass, 'assertion');
  });

  test('non-UTF-8 bodies decode leniently', async () => {
    const r = await runProbe({ type: 'http', url: `${base}/latin1`, body_contains: 'ready' }, now);
    assert.equal(r.status, 'up', r.error ?? '');
    const j = await runProbe({ type: 'http', url: `${base}/latin1`, json: [{ path: 'a' }] }, now);
    assert.equal(j.error, 'body is not valid JSON');
  });

  test('slow responses are degraded past degraded_after', async () => {
    const r = await runProbe({ type: 'http', url: `${base}/ok`, degraded_after: '0ms' }, now);
    assert.equal(r.status, 'degraded');
    assert.match(r.error!, /slow/);
  });
});

describe('tls and https probes (self-signed certificate)', () => {
  let server: https.Server;
  let port = 0;
  let cert = '';
  const issued = Date.now();
  before(async () => {
    const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
      keySize: 2048,
      notBeforeDate: new Date(issued - DAY),
      notAfterDate: new Date(issued + 30 * DAY),
    } as any);
    cert = pems.cert;
    server = https.createServer({ key: pems.private, cert: pems.cert }, (_req, res) => res.end('secure ok'));
    port = await listen(server);
  });
  after(() => close(server));

  test('tls: untrusted chain is down unless verification is off', async () => {
    const r = await runProbe({ type: 'tls', host: '127.0.0.1', port }, issued);
    assert.deepEqual([r.status, r.errorClass], ['down', 'tls']);
    assert.equal(r.details.chain_valid, false);
    assert.match(r.error!, /not trusted/);
    const off = await runProbe({ type: 'tls', host: '127.0.0.1', port, verify_tls: false }, issued);
    assert.equal(off.status, 'up', off.error ?? '');
    assert.ok(Number(off.details.days_to_expiry) >= 29);
  });

  test('tls: expiry warning N days ahead, and expired', async () => {
    const soon = await runProbe(
      { type: 'tls', host: '127.0.0.1', port, verify_tls: false, cert_expiry_warning: '14d' },
      issued + 20 * DAY,
    );
    assert.equal(soon.status, 'degraded');
    assert.match(soon.error!, /expires in 9 days/);
    const expired = await runProbe(
      { type: 'tls', host: '127.0.0.1', port, verify_tls: false },
      issued + 31 * DAY,
    );
    assert.deepEqual([expired.status, expired.errorClass], ['down', 'tls']);
    assert.match(expired.error!, /expired/);
  });

  test('https: verification on by default, trusted with the CA, expiry reported', async () => {
    const r = await runProbe({ type: 'http', url: `https://127.0.0.1:${port}/` }, issued);
    assert.deepEqual([r.status, r.errorClass], ['down', 'tls']);
    const off = await runProbe(
      { type: 'http', url: `https://127.0.0.1:${port}/`, verify_tls: false, body_contains: 'secure' },
      issued,
    );
    assert.equal(off.status, 'up', off.error ?? '');
    const trusted = await runProbe({ type: 'http', url: `https://localhost:${port}/` }, issued, { ca: cert });
    assert.equal(trusted.status, 'up', trusted.error ?? '');
    const warn = await runProbe(
      { type: 'http', url: `https://127.0.0.1:${port}/`, verify_tls: false, cert_expiry_warning: '40d' },
      issued,
    );
    assert.equal(warn.status, 'degraded');
    assert.ok(Number(warn.details.days_to_expiry) >= 29);
  });
});

describe('tcp probe', () => {
  test('connect ok, refused and timeout classes', async () => {
    const s = net.createServer((c) => c.end());
    const port = await listen(s);
    try {
      assert.equal((await runProbe({ type: 'tcp', host: '127.0.0.1', port }, 0)).status, 'up');
    } finally {
      await close(s);
    }
    const refused = await runProbe({ type: 'tcp', host: '127.0.0.1', port: await freePort() }, 0);
    assert.deepEqual([refused.status, refused.errorClass], ['down', 'connect']);
  });
});

/** A tiny DNS server: A records for *.vigil.test, NXDOMAIN otherwise. */
function dnsServer(): Promise<{ port: number; sock: dgram.Socket }> {
  const sock = dgram.createSocket('udp4');
  sock.on('message', (msg, rinfo) => {
    let i = 12;
    const labels: string[] = [];
    while (msg[i] !== 0) {
      labels.push(msg.subarray(i + 1, i + 1 + msg[i]).toString());
      i += msg[i] + 1;
    }
    const qEnd = i + 5;
    const name = labels.join('.');
    const question = msg.subarray(12, qEnd);
    const known = name.endsWith('vigil.test') && msg.readUInt16BE(i + 1) === 1;
    const header = Buffer.alloc(12);
    header.writeUInt16BE(msg.readUInt16BE(0), 0);
    header.writeUInt16BE(known ? 0x8180 : 0x8183, 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(known ? 2 : 0, 6);
    const answer = (ip: string) =>
      Buffer.concat([
        Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]),
        Buffer.from(ip.split('.').map(Number)),
      ]);
    sock.send(
      Buffer.concat([header, question, ...(known ? [answer('10.0.0.1'), answer('10.0.0.2')] : [])]),
      rinfo.port,
      rinfo.address,
    );
  });
  return new Promise((r) => sock.bind(0, '127.0.0.1', () => r({ port: sock.address().port, sock })));
}

describe('dns probe (local resolver)', () => {
  test('answers, expected values, NXDOMAIN and bad resolver', async () => {
    const { port, sock } = await dnsServer();
    try {
      const resolver = `127.0.0.1:${port}`;
      const ok = await runProbe(
        { type: 'dns', host: 'api.vigil.test', record: 'A', expect: ['10.0.0.2'], resolver },
        0,
      );
      assert.equal(ok.status, 'up', ok.error ?? '');
      assert.deepEqual(ok.details.answers, ['10.0.0.1', '10.0.0.2']);
      const missing = await runProbe(
        { type: 'dns', host: 'api.vigil.test', expect: ['10.9.9.9'], resolver },
        0,
      );
      assert.deepEqual([missing.status, missing.errorClass], ['down', 'assertion']);
      const nx = await runProbe({ type: 'dns', host: 'nope.example', resolver }, 0);
      assert.deepEqual([nx.status, nx.errorClass], ['down', 'dns']);
      const bad = await runProbe({ type: 'dns', host: 'x.vigil.test', resolver: 'not-an-ip' }, 0);
      assert.equal(bad.errorClass, 'config');
    } finally {
      await close(sock);
    }
  });
});
