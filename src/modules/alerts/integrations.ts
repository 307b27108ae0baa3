/**
 * Integration keys: each `integration` object gets its own random secret (shown to operators,
 * rotated on demand). Inbound requests present it in the URL, a header or (Events v2) as the
 * routing_key; the key resolves to the integration's spec. Also HMAC checks and rate limits.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../../db/db.ts';
import { inTransaction } from '../../db/tx.ts';
import type { Clock } from '../../kernel/clock.ts';
import type { CatalogService } from '../catalog/catalog-service.ts';
import type { IntegrationType } from './kinds.ts';
import { adb } from './store.ts';

export interface Integration {
  key: string;
  type: IntegrationType;
  service?: string;
  labels?: Record<string, string>;
  rate_limit_per_minute?: number;
  require_signature?: boolean;
  mapping?: Record<string, any>;
}

const CACHE_MS = 5_000;

export class IntegrationKeys {
  private cache = new Map<string, { at: number; integration: Integration | null; secret: string }>();
  private buckets = new Map<string, { minute: number; count: number }>();

  constructor(
    private db: Db,
    private clock: Clock,
    private catalog: CatalogService,
  ) {}

  /** The integration's secret, created on first use. */
  async secretFor(integration: string): Promise<string> {
    await this.catalog.get('integration', integration); // 404 for unknown integrations
    const k = this.db.kysely as unknown as ReturnType<typeof adb>;
    const row = await k
      .selectFrom('alerts_integration_keys')
      .select('secret')
      .where('integration', '=', integration)
      .executeTakeFirst();
    if (row) return row.secret;
    const secret = randomBytes(16).toString('hex'); // 32 characters, like a PagerDuty routing key
    await inTransaction(this.db, async (tx) => {
      await adb(tx)
        .insertInto('alerts_integration_keys')
        .values({ integration, secret, created_at: this.clock.now() })
        .execute();
    });
    return secret;
  }

  /** Replaces the integration's secret; the old one stops working at once. */
  async rotate(integration: string): Promise<string> {
    await this.catalog.get('integration', integration);
    await inTransaction(this.db, async (tx) => {
      await adb(tx).deleteFrom('alerts_integration_keys').where('integration', '=', integration).execute();
    });
    this.cache.clear();
    return this.secretFor(integration);
  }

  /** The integration a secret belongs to, or null (cached briefly; deleted integrations stop at once after the cache). */
  async resolve(secret: string): Promise<{ integration: Integration; secret: string } | null> {
    const now = this.clock.now();
    const hit = this.cache.get(secret);
    if (hit && now - hit.at < CACHE_MS)
      return hit.integration ? { integration: hit.integration, secret } : null;
    const k = this.db.kysely as unknown as ReturnType<typeof adb>;
    const row = await k
      .selectFrom('alerts_integration_keys')
      .select('integration')
      .where('secret', '=', secret)
      .executeTakeFirst();
    let integration: Integration | null = null;
    if (row) {
      try {
        const o = await this.catalog.get('integration', row.integration);
        integration = { key: o.key, ...(o.spec as Omit<Integration, 'key'>) };
      } catch {
        integration = null;
      }
    }
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(secret, { at: now, integration, secret });
    return integration ? { integration, secret } : null;
  }

  /** Counts one event against the integration's per-minute limit; false when over it. */
  allow(i: Integration, n = 1): boolean {
    if (!i.rate_limit_per_minute) return true;
    const minute = Math.floor(this.clock.now() / 60_000);
    const b = this.buckets.get(i.key);
    if (!b || b.minute !== minute) {
      this.buckets.set(i.key, { minute, count: n });
      return n <= i.rate_limit_per_minute;
    }
    if (b.count + n > i.rate_limit_per_minute) return false;
    b.count += n;
    return true;
  }
}

/**
 * Verifies a Grafana-style signature: hex HMAC-SHA256 of the raw body (or `timestamp:body` when
 * the timestamp header is sent) with the integration secret.
 */
export function verifyHmac(
  secret: string,
  rawBody: string,
  signature: string | undefined,
  timestamp?: string,
): boolean {
  if (!signature) return false;
  const sig = signature
    .replace(/^sha256=/, '')
    .trim()
    .toLowerCase();
  const expected = createHmac('sha256', secret)
    .update(timestamp ? `${timestamp}:${rawBody}` : rawBody)
    .digest('hex');
  const a = Buffer.from(sig);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
