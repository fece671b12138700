/**
 * The dashboard's "Attestation" download: GET /attestation?site=NAME&format=pdf|html (site=*
 * for every site). The collector rebuilds each site as a report (store/snapshot.ts); the
 * rendering is handed in by the composition root, so the collector wing does not depend on the
 * attestation wing. Without a renderer (tests of other pages) the route is not registered.
 */
import type { FastifyPluginAsync } from 'fastify';
import { appendAudit } from '../store/audit.js';
import { type SiteSnapshot, siteSnapshots } from '../store/snapshot.js';
import { type DashboardOptions, scopeOf, sessionOf } from './context.js';

export interface AttestationFile {
  readonly body: string | Buffer;
  readonly hash: string;
  readonly contentType: string;
}

export type AttestationRenderer = (
  snapshots: readonly SiteSnapshot[],
  format: 'html' | 'pdf',
) => Promise<AttestationFile>;

const querystring = {
  type: 'object',
  additionalProperties: false,
  properties: {
    site: { type: 'string', minLength: 1, maxLength: 128 },
    format: { type: 'string', enum: ['html', 'pdf'] },
  },
} as const;

export const attestationRoute: FastifyPluginAsync<DashboardOptions> = async (
  app,
  { db, log, attestation },
) => {
  if (!attestation) return;
  app.get('/attestation', { config: { access: 'export' }, schema: { querystring } }, async (req, reply) => {
    const query = req.query as { site?: string; format?: 'html' | 'pdf' };
    const format = query.format ?? 'pdf';
    const site = query.site === undefined || query.site === '*' ? null : query.site;
    const snapshots = await siteSnapshots(db, site, scopeOf(req, 'export'));
    if (snapshots.length === 0)
      return reply
        .code(404)
        .header('content-type', 'text/plain; charset=utf-8')
        .send('No scan on record for that site; an attestation needs at least one report.');
    const file = await attestation(snapshots, format);
    log.info(
      { by: sessionOf(req).username, sites: snapshots.length, format, sha256: file.hash },
      'attestation generated',
    );
    await appendAudit(db, {
      actor: sessionOf(req).username,
      source: req.ip,
      action: 'export',
      target: `attestation.${format}`,
      site,
      after: { sites: snapshots.map((s) => s.report.agent.site), sha256: file.hash },
    });
    const name = `camsweep-attestation-${(site ?? 'all-sites').replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64)}-${new Date().toISOString().slice(0, 10)}.${format}`;
    return reply
      .header('content-type', file.contentType)
      .header('cache-control', 'no-store')
      .header('content-disposition', `attachment; filename="${name}"`)
      .header('x-attestation-sha256', file.hash)
      .send(file.body);
  });
};
