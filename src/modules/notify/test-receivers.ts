/**
 * Local receivers for tests and benchmarks: an HTTP server that records what it is sent (and can
 * be told to fail), and an SMTP server (smtp-server) that records mail. Both listen on 127.0.0.1.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface HttpReceiver {
  url: string;
  received: Received[];
  /** Answer with this status (and headers) instead of 200; null restores 200. */
  respond: { status: number; headers?: Record<string, string> } | null;
  /** Called for every request as it arrives. */
  onRequest?: (r: Received) => void;
  close(): Promise<void>;
}

/** Starts an HTTP receiver on an ephemeral port. */
export async function startHttpReceiver(): Promise<HttpReceiver> {
  const rec: HttpReceiver = {
    url: '',
    received: [],
    respond: null,
    close: async () => {},
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const r = { path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      const answer = rec.respond;
      if (!answer) {
        rec.received.push(r);
        rec.onRequest?.(r);
      }
      res.writeHead(answer?.status ?? 200, answer?.headers ?? {});
      res.end(answer ? 'nope' : 'ok');
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  rec.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  rec.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return rec;
}

export interface MailReceived {
  from: string;
  to: string[];
  raw: string;
}

/** Starts an SMTP server (no auth, no TLS) that records every message. */
export async function startSmtpReceiver(): Promise<{
  url: string;
  mails: MailReceived[];
  close(): Promise<void>;
}> {
  const mails: MailReceived[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
