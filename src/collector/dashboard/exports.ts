/**
 * CSV and JSON exports of the current filter. The filter is validated by the route schema
 * before the first byte is sent, so a bad query is a 400, never a 200 cut off mid-body.
 */
import { Readable } from 'node:stream';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { appendAudit } from '../store/audit.js';
import { type DashboardOptions, scopeOf, sessionOf } from './context.js';
import { devicesCsv, devicesJson } from './export.js';
import { type FilterQuery, filterQuerySchema, toFilter } from './filter.js';

function exportHeaders(reply: FastifyReply, type: string, ext: string) {
  return reply
    .header('content-type', type)
    .header('cache-control', 'no-store')
    .header(
      'content-disposition',
      `attachment; filename="camsweep-devices-${new Date().toISOString().slice(0, 10)}.${ext}"`,
    );
}

export const exportRoutes: FastifyPluginAsync<DashboardOptions> = async (app, { db, log }) => {
  const route = { config: { access: 'export' as const }, schema: { querystring: filterQuerySchema } };

  /** Every export is on the record: who, from where, which filter. */
  const recordExport = async (req: FastifyRequest, format: string) => {
    const by = sessionOf(req).username;
    const filter = toFilter(req.query as FilterQuery);
    log.info({ by, format }, 'device export');
    await appendAudit(db, {
      actor: by,
      source: req.ip,
      action: 'export',
      target: `devices.${format}`,
      site: filter.site ?? null,
      after: filter,
    });
    return filter;
  };

  app.get('/export/devices.csv', route, async (req, reply) => {
    const filter = await recordExport(req, 'csv');
    return exportHeaders(reply, 'text/csv; charset=utf-8', 'csv').send(
      Readable.from(devicesCsv(db, filter, scopeOf(req, 'export'))),
    );
  });

  app.get('/export/devices.json', route, async (req, reply) => {
    const filter = await recordExport(req, 'json');
    const stream = devicesJson(db, filter, scopeOf(req, 'export'));
    return exportHeaders(reply, 'application/json; charset=utf-8', 'json').send(Readable.from(stream));
  });
};
