/**
 * Serves the built web console (web/dist): hashed assets with long-lived caching, other root files
 * with a short cache, and index.html for every other GET so client-side routes survive a reload.
 * The fallback is a wildcard route, so every real route (static or parametric) wins over it; paths
 * under reserved prefixes (API, health, metrics …), and requests that do not accept HTML, answer a
 * problem+json 404 instead of the page.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, normalize } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from '../../http/problem.ts';

/** Path prefixes that belong to the server, never to the console's client-side routes. */
export const RESERVED_PREFIXES = [
  '/api',
  '/health',
  '/metrics',
  '/version',
  '/ping',
  '/ofrep',
  '/ack',
  '/status',
  '/documentation',
  '/hooks',
  '/webhooks',
  '/integrations',
];

/** True when `path` is (or is under) one of the reserved server prefixes. */
export function isReserved(path: string): boolean {
  return RESERVED_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`) || path.startsWith(`${p}.`));
}

// The page sets no inline scripts or styles, so a strict policy costs nothing.
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; " +
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
};

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Vigil</title></head>
<body><main><h1>Vigil</h1><p>The web console has not been built. Run <code>npm run build:web</code>
(or <code>npm ci</code>, which builds it) and reload. The API is at <a href="/api/v1/openapi.json">/api/v1</a>.</p>
</main></body></html>`;

/** True when an Accept header asks for an HTML page (what a browser's navigation sends). */
export function wantsHtml(accept: string | undefined): boolean {
  return typeof accept === 'string' && /(^|,)\s*(text\/html|application\/xhtml\+xml)\b/i.test(accept);
}

export interface ConsoleOptions {
  /** Folder with the Vite build (index.html + assets/). */
  distDir: string;
}

/** Fastify plugin serving the console from `distDir`. */
export function consoleRoutes(opts: ConsoleOptions) {
  return async (app: FastifyInstance) => {
    const indexFile = join(opts.distDir, 'index.html');
    // Checked per request: a console built after start (npm run build:web) shows without a restart.
    const built = () => existsSync(indexFile);
    const config = { policy: 'public' as const };
    const schema = { hide: true };
    await app.register(fastifyStatic, {
      root: opts.distDir,
      serve: false,
      decorateReply: true,
      // A missing build is reported by the page itself, not as a start-up warning.
      suppressWarning: !existsSync(opts.distDir),
    });

    const sendIndex = (reply: FastifyReply) => {
      if (!built()) return reply.code(503).headers(SECURITY_HEADERS).type('text/html').send(NOT_BUILT);
      const html = readFileSync(indexFile);
      return reply
        .headers(SECURITY_HEADERS)
        .header('cache-control', 'no-cache')
        .type('text/html; charset=utf-8')
        .send(html);
    };

    // Vite fingerprints everything under assets/, so a cached copy can never be stale.
    app.get('/assets/*', { config, schema }, async (req: FastifyRequest, reply) => {
      if (!built()) return reply.callNotFound();
      const rest = (req.params as { '*': string })['*'];
      return reply.sendFile(`assets/${rest}`, { maxAge: '365d', immutable: true });
    });

    app.get('/*', { config, schema }, async (req, reply) => {
      const raw = req.url.split('?')[0];
      let path = raw;
      try {
        path = decodeURIComponent(raw);
      } catch {
        // A malformed escape is not a console route; treat the raw path as given.
      }
      if (isReserved(path)) {
        return sendProblem(reply, req, 404, 'not-found', `no route for ${req.method} ${path}`);
      }
      const name = normalize(path).replace(/^\/+/, '');
      // Root files such as favicon.svg: serve them when they exist, otherwise a 404 (not the page).
      if (/^[\w.-]+\.[a-z0-9]+$/i.test(name) && name !== 'index.html') {
        if (built() && existsSync(join(opts.distDir, name))) return reply.sendFile(name, { maxAge: '1h' });
        return reply.callNotFound();
      }
      // Client-side routes are for browsers navigating (Accept: text/html); an API client that
      // mistypes a path still gets the usual problem+json 404.
      if (path !== '/' && !wantsHtml(req.headers.accept)) {
        return sendProblem(reply, req, 404, 'not-found', `no route for ${req.method} ${path}`);
      }
      return sendIndex(reply);
    });
  };
}
