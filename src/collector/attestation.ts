/**
 * The dashboard's "Attestation" download: GET /attestation?site=NAME&format=html|pdf (or
 * site=* for every site), for a signed-in user. The collector rebuilds each site as a report
 * (store/snapshot.ts); the rendering is handed in by the composition root, so the collector
 * wing does not depend on the attestation wing.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../core/log.js';
import type { CookieNames } from './dashboard.js';
import type { Database } from './db/index.js';
import { findSession } from './store/access.js';
import { type SiteSnapshot, siteSnapshots } from './store/snapshot.js';

export interface AttestationFile {
  readonly body: string | Buffer;
  readonly hash: string;
  readonly contentType: string;
}

export type AttestationRenderer = (
  snapshots: readonly SiteSnapshot[],
  format: 'html' | 'pdf',
) => Promise<AttestationFile>;

export function registerAttestation(
  app: FastifyInstance,
  deps: { db: Database; log: Logger; cookies: CookieNames; render: AttestationRenderer },
): void {
  const { db, log, cookies, render } = deps;
  app.get('/attestation', async (req, reply) => {
    const raw = req.cookies[cookies.session];
    const session = raw ? await findSession(db, raw) : null;
    if (!session) return reply.redirect('/login', 303);
    const query = (req.query ?? {}) as Record<string, string | undefined>;
    const format = query.format === 'pdf' ? 'pdf' : 'html';
    const site = typeof query.site === 'string' && query.site !== '*' ? query.site.slice(0, 128) : null;
    const snapshots = await siteSnapshots(db, site);
    if (snapshots.length === 0)
      return reply
        .code(404)
        .header('content-type', 'text/plain; charset=utf-8')
        .send('No scan on record for that site; an attestation needs at least one report.');
    const file = await render(snapshots, format);
    log.info(
      { by: session.username, sites: snapshots.length, format, sha256: file.hash },
      'attestation generated',
    );
    const name = `camsweep-attestation-${(site ?? 'all-sites').replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64)}-${new Date().toISOString().slice(0, 10)}.${format}`;
    return reply
      .header('content-type', file.contentType)
      .header('cache-control', 'no-store')
      .header('content-disposition', `attachment; filename="${name}"`)
      .header('x-attestation-sha256', file.hash)
      .send(file.body);
  });
}
