/** The overview page: per site, verdict counts, the trend over the last scans, remediation. */
import type { FastifyPluginAsync } from 'fastify';
import { overview } from '../store/queries.js';
import { type DashboardOptions, frameOf, scopeOf, sendPage, sessionOf } from './context.js';

export const overviewPage: FastifyPluginAsync<DashboardOptions> = async (app, { db }) => {
  app.get(
    '/',
    { config: { access: 'read' }, schema: { querystring: { type: 'object', properties: {} } } },
    async (req, reply) => {
      const sites = (await overview(db, scopeOf(req, 'read'))).map((site) => {
        const max = Math.max(1, ...site.trend.map((t) => t.covered + t.suspect + t.notCovered + t.unknown));
        const bars = site.trend.map((t, i) => {
          let y = 60;
          const parts = (
            [
              ['covered', t.covered],
              ['suspect', t.suspect],
              ['not-covered', t.notCovered],
              ['unknown', t.unknown],
            ] as const
          ).map(([verdict, n]) => {
            const h = Math.round((n / max) * 58);
            y -= h;
            return { verdict, y, h };
          });
          return {
            x: i * 18,
            parts,
            label: `${t.at}: ${t.covered} covered, ${t.suspect} suspect, ${t.notCovered} not covered, ${t.unknown} unknown`,
          };
        });
        return { ...site, bars, width: Math.max(18, bars.length * 18) };
      });
      return sendPage(reply, 'overview', frameOf(sessionOf(req), 'Overview'), { sites });
    },
  );
};
