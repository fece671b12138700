/** The overview page: per site, verdict counts, the trend over the last scans, remediation. */
import type { FastifyPluginAsync } from 'fastify';
import { rulesFreshness } from '../../contract/rules-as-of.js';
import { overview } from '../store/queries.js';
import { type DashboardOptions, displayOf, frameOf, scopeOf, sendPage, sessionOf } from './context.js';

export const overviewPage: FastifyPluginAsync<DashboardOptions> = async (app, opts) => {
  const { db } = opts;
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
        // The rules version starts with the rules' as-of date; warn when it is stale today.
        const rules = site.rulesVersion
          ? rulesFreshness({ rulesVersion: site.rulesVersion }, new Date())
          : null;
        return { ...site, bars, width: Math.max(18, bars.length * 18), rules };
      });
      return sendPage(reply, 'overview', frameOf(sessionOf(req), 'Overview'), { ...displayOf(opts), sites });
    },
  );
};
