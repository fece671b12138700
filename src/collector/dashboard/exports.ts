/**
 * CSV and JSON exports of the current filter. The filter is validated by the route schema
 * before the first byte is sent, so a bad query is a 400, never a 200 cut off mid-body.
 */
import { Readable } from 'node:stream';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { deviceExtras } from '../store/queries.js';
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

  app.get('/export/devices.csv', route, async (req, reply) => {
    log.info({ by: sessionOf(req).username }, 'CSV export');
    const filter = toFilter(req.query as FilterQuery);
    return exportHeaders(reply, 'text/csv; charset=utf-8', 'csv').send(
      Readable.from(devicesCsv(db, filter, scopeOf(req, 'export'))),
    );
  });

  app.get('/export/devices.json', route, async (req, reply) => {
    log.info({ by: sessionOf(req).username }, 'JSON export');
    const stream = devicesJson(db, toFilter(req.query as FilterQuery), scopeOf(req, 'export'), (id) =>
      deviceExtras(db, id),
    );
    return exportHeaders(reply, 'application/json; charset=utf-8', 'json').send(Readable.from(stream));
  });
};
