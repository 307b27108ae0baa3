/** Loads the incidents of a period and computes the report (see reports.ts). */
import { invalid } from '../../kernel/errors.ts';
import { IncidentsBase, idb } from './context.ts';
import { computeReport, type GroupBy, type Report } from './reports.ts';
import { toIncident } from './types.ts';

export class ReportService extends IncidentsBase {
  /** The report of incidents opened in [from, to). */
  async report(from: number, to: number, groupBy: GroupBy): Promise<Report> {
    if (!(to > from)) throw invalid('"to" must be after "from"');
    if (!['severity', 'service', 'team'].includes(groupBy))
      throw invalid(`group_by must be severity, service or team (got "${groupBy}")`);
    const k = idb(this.deps.db);
    const rows = await k
      .selectFrom('incidents_incidents')
      .selectAll()
      .where('opened_at', '>=', from)
      .where('opened_at', '<', to)
      .execute();
    const incidents = rows.map(toIncident);
    const alertCounts = new Map<string, number>();
    if (incidents.length) {
      const counts = await k
        .selectFrom('incidents_alerts')
        .select(['incident_id', (eb) => eb.fn.countAll().as('n')])
        .where(
          'incident_id',
          'in',
          incidents.map((i) => i.id),
        )
        .groupBy('incident_id')
        .execute();
      for (const c of counts) alertCounts.set(c.incident_id, Number(c.n));
    }
    const teamOf = new Map<string, string>();
    if (groupBy === 'team') {
      for (const s of (await this.deps.catalog.list('service', { limit: 500 })).items)
        teamOf.set(s.key, String(s.spec.owner));
    }
    const { timeZone } = await this.settings();
    return computeReport({ incidents, alertCounts, teamOf, from, to, groupBy, timeZone }, this.now);
  }
}
