/**
 * The audit trail for auditors and admins: browse it, export it as CSV. There is deliberately
 * no route that changes it (store/audit.ts). A site-scoped auditor sees the entries about
 * those sites; sign-ins and user changes, which belong to no site, need an all-site grant.
 */
import { Readable } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import { forCsv } from '../../core/text.js';
import type { Sql } from '../db/sql.js';
import { type AuditEntry, allAudit, appendAudit, listAudit } from '../store/audit.js';
import type { SiteScope } from '../store/roles.js';
import { type DashboardOptions, frameOf, scopeOf, sendPage, sessionOf } from './context.js';
import { MAX_PAGE } from './filter.js';

const PAGE_SIZE = 100;
const COLUMNS: readonly (keyof AuditEntry)[] = [
  'id',
  'at',
  'actor',
  'source',
  'action',
  'target',
  'site',
  'before',
  'after',
  'prevSha256',
  'sha256',
];

async function* auditCsv(q: Sql, scope: SiteScope): AsyncGenerator<string> {
  yield `${COLUMNS.join(',')}\r\n`;
  for await (const e of allAudit(q, scope))
    yield `${COLUMNS.map((c) => forCsv(String(e[c] ?? ''))).join(',')}\r\n`;
}

export const auditPages: FastifyPluginAsync<DashboardOptions> = async (app, { db }) => {
  app.get(
    '/audit',
    {
      config: { access: 'audit' },
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { page: { type: 'integer', minimum: 1, maximum: MAX_PAGE } },
        },
      },
    },
    async (req, reply) => {
      const pageNo = (req.query as { page?: number }).page ?? 1;
      const { rows, total } = await listAudit(db, scopeOf(req, 'audit'), {
        offset: (pageNo - 1) * PAGE_SIZE,
        limit: PAGE_SIZE,
      });
      const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
      return sendPage(reply, 'audit', frameOf(sessionOf(req), 'Audit trail'), {
        rows,
        total,
        page: pageNo,
        pages,
        prev: pageNo > 1 ? pageNo - 1 : null,
        next: pageNo < pages ? pageNo + 1 : null,
      });
    },
  );

  app.get(
    '/export/audit.csv',
    { config: { access: 'audit' }, schema: { querystring: { type: 'object', additionalProperties: false } } },
    async (req, reply) => {
      const by = sessionOf(req).username;
      await appendAudit(db, { actor: by, source: req.ip, action: 'export', target: 'audit.csv' });
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('cache-control', 'no-store')
        .header(
          'content-disposition',
          `attachment; filename="camsweep-audit-${new Date().toISOString().slice(0, 10)}.csv"`,
        )
        .send(Readable.from(auditCsv(db, scopeOf(req, 'audit'))));
    },
  );
};
