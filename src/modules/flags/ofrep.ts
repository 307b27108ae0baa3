/**
 * OFREP (OpenFeature Remote Evaluation Protocol) and the SDK's flag-set download, authenticated
 * with environment-scoped client keys (`Authorization: Bearer vfk_…` or `X-API-Key`). The hot path
 * reads no store: the compiled set of the key's environment and the key itself come from memory,
 * and successful results are serialised once per shared result object.
 *
 * Status codes (OFREP): 200 success; 304 bulk/flag-set unchanged (If-None-Match); 400
 * `{key, errorCode: PARSE_ERROR|TARGETING_KEY_MISSING|INVALID_CONTEXT|GENERAL, errorDetails}`;
 * 401 missing/unknown/revoked key; 403 key of another environment; 404 `{key, errorCode:
 * FLAG_NOT_FOUND, errorDetails}`; 429 over the key's rate limit with `Retry-After` (seconds).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../kernel/clock.ts';
import type { EvaluationResult } from './flag.ts';
import { murmur3 } from './murmur3.ts';
import type { EnvFlagSet, FlagRuntimeCache } from './runtime-cache.ts';
import type { ClientKey } from './store.ts';

const JSON_TYPE = 'application/json; charset=utf-8';

function sendJson(reply: FastifyReply, status: number, body: unknown) {
  return reply
    .code(status)
    .header('content-type', JSON_TYPE)
    .send(typeof body === 'string' ? body : JSON.stringify(body));
}

/** Per-key token buckets (capacity = one second of the key's rate). */
class RateLimiter {
  private buckets = new Map<string, { tokens: number; at: number }>();
  constructor(private clock: Clock) {}
  /** 0 when allowed, else seconds until a token is available. */
  take(key: ClientKey): number {
    if (key.rateLimit === null) return 0;
    const now = this.clock.now();
    const b = this.buckets.get(key.id) ?? { tokens: key.rateLimit, at: now };
    b.tokens = Math.min(key.rateLimit, b.tokens + ((now - b.at) / 1000) * key.rateLimit);
    b.at = now;
    this.buckets.set(key.id, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / key.rateLimit));
  }
}

/** Serialised success bodies, computed once per shared (frozen) result object. */
const bodies = new WeakMap<EvaluationResult, string>();

function successBody(key: string, r: EvaluationResult): string {
  let s = bodies.get(r);
  if (s !== undefined) return s;
  const body: Record<string, unknown> = { key, reason: r.reason };
  if (r.variant !== undefined) body.variant = r.variant;
  // A null default variant means "the caller's code default": OFREP omits the value (ADR 0006).
  if (r.value !== undefined) body.value = r.value;
  if (r.flagMetadata) body.metadata = r.flagMetadata;
  s = JSON.stringify(body);
  if (Object.isFrozen(r)) bodies.set(r, s);
  return s;
}

function failure(key: string, r: EvaluationResult) {
  return { key, errorCode: r.errorCode ?? 'GENERAL', errorDetails: r.errorMessage ?? 'evaluation failed' };
}

/** Registers OFREP and flag-set routes (policy `integration`: the routes check client keys). */
export function ofrepRoutes(cache: FlagRuntimeCache, clock: Clock) {
  const limiter = new RateLimiter(clock);

  /** The request's client key, or a reply already sent (401/429). */
  async function keyOf(req: FastifyRequest, reply: FastifyReply): Promise<ClientKey | null> {
    const auth = req.headers.authorization;
    let secret: string | undefined;
    if (auth !== undefined && auth.length > 7 && auth.slice(0, 7).toLowerCase() === 'bearer ')
      secret = auth.slice(7).trim();
    else if (typeof req.headers['x-api-key'] === 'string') secret = req.headers['x-api-key'];
    if (!secret) {
      sendJson(reply, 401, { errorDetails: 'send a flag client key: Authorization: Bearer vfk_…' });
      return null;
    }
    let key = cache.cachedKey(secret);
    if (key === undefined) key = await cache.authenticate(secret);
    if (!key) {
      sendJson(reply, 401, { errorDetails: 'unknown or revoked client key' });
      return null;
    }
    const wait = limiter.take(key);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      sendJson(reply, 429, { errorDetails: `rate limit of ${key.rateLimit}/s exceeded for this key` });
      return null;
    }
    return key;
  }

  const setOf = (env: string): EnvFlagSet | Promise<EnvFlagSet> => cache.get(env);

  /** Body `{ context? }`; returns the context or null when it is not an object. */
  function contextOf(body: unknown): Record<string, unknown> | null {
    if (body === undefined || body === null || body === '') return {};
    if (typeof body !== 'object' || Array.isArray(body)) return null;
    const ctx = (body as { context?: unknown }).context;
    if (ctx === undefined || ctx === null) return {};
    return typeof ctx === 'object' && !Array.isArray(ctx) ? (ctx as Record<string, unknown>) : null;
  }

  return async (app: FastifyInstance) => {
    // OFREP clients expect OFREP error bodies, also for malformed JSON.
    app.setErrorHandler((err, req, reply) => {
      const key = (req.params as { key?: string } | undefined)?.key;
      const status = (err as { statusCode?: number }).statusCode ?? 500;
      if (status >= 500) req.log.error({ err }, 'OFREP request failed');
      const details = status >= 500 ? 'internal error' : (err as Error).message;
      return sendJson(
        reply,
        status >= 500 ? 500 : 400,
        key !== undefined
          ? { key, errorCode: 'GENERAL', errorDetails: details }
          : { errorCode: 'GENERAL', errorDetails: details },
      );
    });

    app.post(
      '/ofrep/v1/evaluate/flags/:key',
      { config: { policy: 'integration' }, schema: { tags: ['ofrep'] } },
      async (req, reply) => {
        const key = (req.params as { key: string }).key;
        const ck = await keyOf(req, reply);
        if (!ck) return reply;
        const ctx = contextOf(req.body);
        if (ctx === null) {
          return sendJson(reply, 400, {
            key,
            errorCode: 'INVALID_CONTEXT',
            errorDetails: 'context must be a JSON object',
          });
        }
        const s = setOf(ck.env);
        const set = s instanceof Promise ? await s : s;
        const r = set.set.evaluate(key, ctx, { now: clock.now() });
        if (r.reason !== 'ERROR') return sendJson(reply, 200, successBody(key, r));
        return sendJson(reply, r.errorCode === 'FLAG_NOT_FOUND' ? 404 : 400, failure(key, r));
      },
    );

    app.post(
      '/ofrep/v1/evaluate/flags',
      { config: { policy: 'integration' }, schema: { tags: ['ofrep'] } },
      async (req, reply) => {
        const ck = await keyOf(req, reply);
        if (!ck) return reply;
        const ctx = contextOf(req.body);
        if (ctx === null) {
          return sendJson(reply, 400, {
            errorCode: 'INVALID_CONTEXT',
            errorDetails: 'context must be a JSON object',
          });
        }
        const s = setOf(ck.env);
        const set = s instanceof Promise ? await s : s;
        // The ETag covers the environment's configuration and the context evaluated.
        const etag = `"${set.etag.slice(1, -1)}.${murmur3(JSON.stringify(ctx)).toString(36)}"`;
        if (req.headers['if-none-match'] === etag) return reply.code(304).header('etag', etag).send();
        const now = clock.now();
        const parts: string[] = [];
        for (const k of set.liveKeys) {
          const r = set.set.evaluate(k, ctx, { now });
          parts.push(r.reason === 'ERROR' ? JSON.stringify(failure(k, r)) : successBody(k, r));
        }
        reply.header('etag', etag);
        return sendJson(reply, 200, `{"flags":[${parts.join(',')}]}`);
      },
    );

    app.get(
      '/ofrep/v1/configuration',
      { config: { policy: 'integration' }, schema: { tags: ['ofrep'] } },
      async (req, reply) => {
        const ck = await keyOf(req, reply);
        if (!ck) return reply;
        return sendJson(reply, 200, {
          name: 'vigil',
          capabilities: {
            cacheInvalidation: { polling: { enabled: true, minPollingIntervalMs: 5000 } },
            flagEvaluation: { supportedTypes: ['boolean', 'string', 'int', 'float', 'object'] },
          },
        });
      },
    );

    app.get(
      '/api/v1/flag-sets/:env',
      { config: { policy: 'integration' }, schema: { tags: ['flags'] } },
      async (req, reply) => {
        const env = (req.params as { env: string }).env;
        const ck = await keyOf(req, reply);
        if (!ck) return reply;
        if (ck.env !== env) {
          return sendJson(reply, 403, {
            errorDetails: `this client key is for environment "${ck.env}", not "${env}"`,
          });
        }
        const s = setOf(env);
        const set = s instanceof Promise ? await s : s;
        reply.header('etag', set.etag).header('cache-control', 'no-cache');
        if (req.headers['if-none-match'] === set.etag) return reply.code(304).send();
        return sendJson(reply, 200, set.document);
      },
    );
  };
}
