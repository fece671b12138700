/**
 * The dashboard: one fastify plugin per page or route group, under one context that installs
 * the access hooks (access.ts) and the form parser. Every page is rendered by eta with
 * auto-escaping; every state-changing form carries the session's CSRF token and is refused
 * from another origin. Sessions and login throttling live in the database, so any collector
 * instance can serve any request. Adding a page: src/collector/README.md, "Add a dashboard page".
 */
import fastifyFormbody from '@fastify/formbody';
import type { FastifyPluginAsync } from 'fastify';
import { stylesheet } from '../views/index.js';
import { installAccessHooks } from './access.js';
import { attestationRoute } from './attestation.js';
import { auditPages } from './audit.js';
import type { DashboardOptions } from './context.js';
import { devicePage } from './device.js';
import { devicesPage } from './devices.js';
import { exportRoutes } from './exports.js';
import { loginPages } from './login.js';
import { overviewPage } from './overview.js';
import { usersPage } from './users.js';

export { type CookieNames, cookieNames, type DashboardOptions } from './context.js';

/** Every page plugin, in one list: the contract test (test/collector/pages.contract.test.ts) walks their routes. */
export const DASHBOARD_PAGES = [
  loginPages,
  overviewPage,
  devicesPage,
  devicePage,
  exportRoutes,
  attestationRoute,
  auditPages,
  usersPage,
] as const;

export const dashboard: FastifyPluginAsync<DashboardOptions> = async (app, opts) => {
  await app.register(fastifyFormbody, { bodyLimit: 16 * 1024 });
  installAccessHooks(app, opts);

  app.get(
    '/static/app.css',
    { config: { access: 'public' }, schema: { querystring: { type: 'object', properties: {} } } },
    async (_req, reply) =>
      reply
        .header('content-type', 'text/css; charset=utf-8')
        .header('cache-control', 'max-age=3600')
        .send(stylesheet),
  );
  for (const page of DASHBOARD_PAGES) await app.register(page, opts);
};
