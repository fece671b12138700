/** The device list: filter by site, verdict, remediation state and free text; 50 per page. */
import type { FastifyPluginAsync } from 'fastify';
import { listDevices, REMEDIATION_STATES, siteNames, VERDICTS } from '../store/queries.js';
import { type DashboardOptions, frameOf, scopeOf, sendPage, sessionOf } from './context.js';
import { type FilterQuery, filterQuery, pagedFilterQuerySchema, toFilter } from './filter.js';

const PAGE_SIZE = 50;

export const devicesPage: FastifyPluginAsync<DashboardOptions> = async (app, { db }) => {
  app.get(
    '/devices',
    { config: { access: 'read' }, schema: { querystring: pagedFilterQuerySchema } },
    async (req, reply) => {
      const query = req.query as FilterQuery;
      const filter = toFilter(query);
      const scope = scopeOf(req, 'read');
      const pageNo = query.page ?? 1;
      const { rows, total } = await listDevices(
        db,
        filter,
        {
          offset: (pageNo - 1) * PAGE_SIZE,
          limit: PAGE_SIZE,
        },
        scope,
      );
      const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
      return sendPage(reply, 'devices', frameOf(sessionOf(req), 'Devices'), {
        rows,
        total,
        filter,
        sites: await siteNames(db, scope),
        verdicts: VERDICTS,
        states: REMEDIATION_STATES,
        query: filterQuery(filter),
        page: pageNo,
        pages,
        prev: pageNo > 1 ? filterQuery(filter, pageNo - 1) : null,
        next: pageNo < pages ? filterQuery(filter, pageNo + 1) : null,
      });
    },
  );
};
