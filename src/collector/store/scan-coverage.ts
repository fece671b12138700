/**
 * Scans with their coverage sections, oldest first after a given scan id: what the read API's
 * /coverage pages through. Limited to a site scope like every other read.
 */
import type { Coverage } from '../../contract/types.js';
import type { Sql } from '../db/sql.js';
import { scopeCondition } from './queries.js';
import type { SiteScope } from './roles.js';

export interface ScanCoverage {
  readonly id: number;
  readonly reportId: string;
  readonly site: string;
  readonly agent: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly receivedAt: string;
  readonly rulesVersion: string;
  readonly partial: boolean;
  readonly summary: {
    hosts: number;
    devices: number;
    covered: number;
    suspect: number;
    notCovered: number;
    unknown: number;
  };
  readonly coverage: Coverage | null;
}

interface Raw extends Omit<ScanCoverage, 'partial' | 'summary' | 'coverage'> {
  readonly partial: number;
  readonly hosts: number;
  readonly devices: number;
  readonly covered: number;
  readonly suspect: number;
  readonly notCovered: number;
  readonly unknown: number;
  readonly coverage: string | null;
}

export async function scansAfter(
  q: Sql,
  filter: { site?: string | undefined; since?: string | undefined },
  scope: SiteScope,
  page: { afterId: number; limit: number },
): Promise<ScanCoverage[]> {
  const limit = scopeCondition(scope, 'sc');
  const conds = [limit.sql, 'sc.id > ?'];
  const params: unknown[] = [...limit.params, page.afterId];
  if (filter.site) {
    conds.push('s.name = ?');
    params.push(filter.site);
  }
  if (filter.since) {
    conds.push('sc.received_at >= ?');
    params.push(filter.since);
  }
  const rows = await q.all<Raw>(
    `SELECT sc.id, sc.report_id AS "reportId", s.name AS site, a.agent_key AS agent, sc.started_at AS "startedAt",
       sc.finished_at AS "finishedAt", sc.received_at AS "receivedAt", sc.rules_version AS "rulesVersion", sc.partial,
       sc.hosts, sc.devices, sc.covered, sc.suspect, sc.not_covered AS "notCovered", sc.unknown, sc.coverage
     FROM scans sc JOIN sites s ON s.id = sc.site_id JOIN agents a ON a.id = sc.agent_id
     WHERE ${conds.join(' AND ')} ORDER BY sc.id LIMIT ?`,
    [...params, page.limit],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    reportId: r.reportId,
    site: r.site,
    agent: r.agent,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    receivedAt: r.receivedAt,
    rulesVersion: r.rulesVersion,
    partial: Number(r.partial) === 1,
    summary: {
      hosts: Number(r.hosts),
      devices: Number(r.devices),
      covered: Number(r.covered),
      suspect: Number(r.suspect),
      notCovered: Number(r.notCovered),
      unknown: Number(r.unknown),
    },
    coverage: r.coverage ? (JSON.parse(r.coverage) as Coverage) : null,
  }));
}
