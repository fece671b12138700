/** The device list: filter by site, verdict, remediation state and free text; 50 per page. */
import type { FastifyPluginAsync } from 'fastify';
import {
  listDevices,
  locationChoices,
  REMEDIATION_STATES,
  SORT_KEYS,
  type SortKey,
  siteNames,
  VERDICTS,
} from '../store/queries.js';
import { type DashboardOptions, displayOf, frameOf, scopeOf, sendPage, sessionOf } from './context.js';
import { type FilterQuery, filterQuery, pagedFilterQuerySchema, pageOf, toFilter } from './filter.js';

const PAGE_SIZE = 50;

export const devicesPage: FastifyPluginAsync<DashboardOptions> = async (app, opts) => {
  const { db } = opts;
  app.get(
    '/devices',
    { config: { access: 'read' }, schema: { querystring: pagedFilterQuerySchema } },
    async (req, reply) => {
      const query = req.query as FilterQuery;
      const filter = toFilter(query);
      const scope = scopeOf(req, 'read');
      const pageNo = pageOf(query);
      const { rows, total } = await listDevices(
        db,
        filter,
        { offset: (pageNo - 1) * PAGE_SIZE, limit: PAGE_SIZE },
        scope,
      );
      const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
      // Each sortable column links to itself ascending, or descending when it is already ascending.
      const sortLinks = Object.fromEntries(
        Object.keys(SORT_KEYS).map((key) => [
          key,
          filterQuery({
            ...filter,
            sort: key as SortKey,
            dir: filter.sort === key && filter.dir === 'asc' ? 'desc' : 'asc',
          }),
        ]),
      );
      return sendPage(reply, 'devices', frameOf(sessionOf(req), 'Devices'), {
        ...displayOf(opts),
        rows,
        total,
        filter,
        sortLinks,
        choices: await locationChoices(db, scope, filter.site),
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
