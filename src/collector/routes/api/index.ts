/**
 * The read API for integrations, under /api/v1/: one plugin context whose hooks (access.ts)
 * check the API token, its rate and its role before any route runs, and audit every call.
 * Routes: inventory.ts; the document describing them: openapi.ts (GET /api/v1/openapi.json).
 * How to call it: src/collector/README.md, "API".
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Logger } from '../../../core/log.js';
import type { Database } from '../../db/index.js';
import type { RateLimiter } from '../rate-limit.js';
import { installTokenCheck } from './access.js';
import { inventoryRoutes } from './inventory.js';
import { openapiRoute } from './openapi.js';

export { registerApiDocs } from './openapi.js';

export interface ReadApiOptions {
  readonly db: Database;
  readonly log: Logger;
  /** Calls per API token (routes/rate-limit.ts). */
  readonly limiter: RateLimiter;
}

export const readApi: FastifyPluginAsync<ReadApiOptions> = async (app, opts) => {
  installTokenCheck(app, opts);
  await app.register(inventoryRoutes, { db: opts.db });
  await openapiRoute(app);
};
