/**
 * buildServer(deps) assembles the HTTP edge without listening: problem+json errors, request ids,
 * auth policies, OpenAPI 3.1, HTTP metrics, and each module's routes. Tests use `inject()`.
 */
import swagger from '@fastify/swagger';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyPluginAsync,
  LogController,
} from 'fastify';
import type { Logger } from 'pino';
import type { Histogram } from 'prom-client';
import { newId } from '../kernel/ids.ts';
import type { TokenService } from '../modules/identity/tokens.ts';
import { installAuth, type RouteEntry } from './auth.ts';
import { lazyValidatorFactory } from './lazy-validators.ts';
import { errorHandler, sendProblem } from './problem.ts';

export interface ServerDeps {
  logger: Logger;
  tokens: TokenService;
  version: string;
  httpDuration?: Histogram<'method' | 'route' | 'status'>;
  bodyLimit?: number;
  /** Module route plugins, registered in order. */
  plugins: FastifyPluginAsync[];
}

export interface BuiltServer {
  app: FastifyInstance;
  routes: RouteEntry[];
}

export async function buildServer(deps: ServerDeps): Promise<BuiltServer> {
  const routes: RouteEntry[] = [];
  // Request ids: a per-process prefix plus a counter (cheap, unique across replicas and restarts).
  const idPrefix = newId().slice(-10).toLowerCase();
  let seq = 0;
  const app = Fastify({
    loggerInstance: deps.logger as unknown as FastifyBaseLogger,
    bodyLimit: deps.bodyLimit ?? 1024 * 1024,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,64}$/.test(given)
        ? given
        : `${idPrefix}-${(++seq).toString(36)}`;
    },
    requestIdHeader: false,
    // We log one line per request ourselves (onResponse) with the matched route and duration.
    logController: new LogController({ disableRequestLogging: true }),
    ajv: { customOptions: { allErrors: true, coerceTypes: 'array', removeAdditional: false } },
    // Route schemas compile on first use (start-up time); test/http/schemas.test.ts compiles all.
    schemaController: { compilersFactory: { buildValidator: lazyValidatorFactory() as never } },
    routerOptions: { ignoreTrailingSlash: true },
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((req, reply) =>
    sendProblem(reply, req, 404, 'not-found', `no route for ${req.method} ${req.url.split('?')[0]}`),
  );
  const durationByLabels = new Map<string, { observe(v: number): void }>();
  // Callback-style hooks: every request runs them, and these need no promise.
  app.addHook('onSend', (req, reply, payload, done) => {
    reply.header('x-request-id', req.id);
    done(null, payload);
  });
  app.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url ?? 'unmatched';
    if (deps.httpDuration) {
      // The labelled child per (method, route, status): prom-client hashes a label object on
      // every observe otherwise, on every request.
      const k = `${req.method} ${reply.statusCode} ${route}`;
      let h = durationByLabels.get(k);
      if (!h) {
        h = deps.httpDuration.labels(req.method, route, String(reply.statusCode));
        durationByLabels.set(k, h);
      }
      h.observe(reply.elapsedTime / 1000);
    }
    const level = reply.statusCode >= 500 ? 'error' : 'info';
    req.log[level](
      { method: req.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 },
      'request',
    );
    done();
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Vigil API',
        version: deps.version,
        description: 'The Vigil operations control plane API.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  installAuth(app, deps.tokens, routes);
  app.get('/api/v1/openapi.json', { config: { policy: 'public' }, schema: { hide: true } }, async () =>
    app.swagger(),
  );
  for (const p of deps.plugins) await app.register(p);
  return { app, routes };
}
