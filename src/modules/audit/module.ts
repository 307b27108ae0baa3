/**
 * The audit module: the trail itself (AuditLog) is created by the composition root and shared
 * as ctx.audit; this module adds retention (settings kind, `audit:` plan section, archiving
 * engine), the JSON Lines export and archive verification.
 */
import { defineModule } from '../module.ts';
import { auditRoutes } from './audit-routes.ts';
import * as m1 from './migrations/202611251130-audit-archives.ts';
import { AuditRetention } from './retention.ts';
import './settings.ts';

/** What other modules may call through ctx.modules.get('audit'). */
export interface AuditApi {
  retention: AuditRetention;
}

export default defineModule<AuditApi>({
  name: 'audit',
  migrations: { '202611251130-audit-archives': m1 },
  create(ctx) {
    const retention = new AuditRetention(ctx.db, ctx.audit, ctx.catalog, ctx.settings.dataDir);
    return {
      routes: auditRoutes(ctx.db, retention),
      engines: [retention.engine()],
      api: { retention },
    };
  },
});
