/**
 * Builds the collector: one fastify app serving the agent API and the dashboard, with strict
 * security headers on every answer. Stateless apart from the database handed in.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import fastifyCookie from '@fastify/cookie';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from '../core/log.js';
import type { AuthSettings } from './auth/config.js';
import { createDirectory } from './auth/index.js';
import type { AttestationRenderer } from './dashboard/attestation.js';
import { cookieNames, dashboard } from './dashboard/index.js';
import type { Database } from './db/index.js';
import { type EventsConfig, NO_EVENTS_CONFIG } from './events/config.js';
import { startEventSinks } from './events/sinks.js';
import { type DispatcherOptions, startDispatcher } from './events/webhooks.js';
import { readApi, registerApiDocs } from './routes/api/index.js';
import { CollectorError, errorHandler } from './routes/errors.js';
import { RateLimiter } from './routes/rate-limit.js';
import { reportRoutes } from './routes/reports.js';
import { createDisplay } from './views/display.js';

export interface CollectorOptions {
  readonly db: Database;
  readonly log: Logger;
  /** PEM files; without them the collector speaks plain HTTP (for a TLS-terminating proxy). */
  readonly tls?: { readonly cert: string; readonly key: string; readonly clientCa?: string } | undefined;
  /** Largest report accepted, in bytes. */
  readonly bodyLimit?: number;
  /** Reports per minute per agent token, and the burst allowed. */
  readonly ingestPerMinute?: number;
  readonly ingestBurst?: number;
  /** Read-API calls per minute per API token, and the burst allowed. */
  readonly apiPerMinute?: number;
  readonly apiBurst?: number;
  /** Set Secure cookies even over plain HTTP (the proxy in front speaks HTTPS). */
  readonly secureCookies?: boolean;
  /** Trust X-Forwarded-For from the proxy in front (for login throttling by client address). */
  readonly trustProxy?: boolean;
  /** Webhook delivery timing (events/webhooks.ts); false runs no dispatcher on this instance. */
  readonly deliveries?: DispatcherOptions | false;
  /** Syslog and digest sinks and the check's thresholds (config `events:`); defaults without it. */
  readonly events?: EventsConfig;
  /** IANA time zone the dashboard shows times in (ISO UTC on hover); default UTC. */
  readonly timeZone?: string;
  /** Renders the dashboard's Attestation download; without it the button's route is absent. */
  readonly attestation?: AttestationRenderer;
  /** Directory sign-in (OIDC, LDAP) and group → role mappings: the config file's auth section. */
  readonly auth?: AuthSettings;
}

/** Largest report accepted by default, in bytes (collector --max-body). */
export const DEFAULT_BODY_LIMIT = 32 * 1024 * 1024;

// No inline script or style anywhere: a device string that slips through escaping still cannot run.
const CSP = [
  "default-src 'none'",
  "style-src 'self'",
  "img-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export async function buildCollector(options: CollectorOptions): Promise<FastifyInstance> {
  const https = options.tls
    ? {
        cert: readFileSync(options.tls.cert),
        key: readFileSync(options.tls.key),
        ...(options.tls.clientCa
          ? { ca: readFileSync(options.tls.clientCa), requestCert: true, rejectUnauthorized: false }
          : {}),
      }
    : null;
  const logger: FastifyBaseLogger = options.log.child({ component: 'collector' });
  const app = Fastify({
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: options.trustProxy ?? false,
    bodyLimit: 64 * 1024,
    requestTimeout: 120_000,
    // We make the server ourselves so the instance has one type whether or not TLS is on
    // (fastify's `https` option changes the instance's type parameters).
    serverFactory: (handler): Server =>
      https ? createHttpsServer(https, handler) : createHttpServer(handler),
  });
  await app.register(fastifyCookie);

  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('content-security-policy', CSP);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    // Not no-referrer: under it Chromium sends `Origin: null` on same-origin form posts, which
    // the CSRF origin check must refuse. same-origin still leaks nothing to other sites.
    reply.header('referrer-policy', 'same-origin');
    reply.header('cross-origin-opener-policy', 'same-origin');
    if (https || options.secureCookies) reply.header('strict-transport-security', 'max-age=31536000');
    return payload;
  });

  app.setErrorHandler(errorHandler(options.log));
  app.setNotFoundHandler((_req, _reply) => {
    throw new CollectorError('C_NOT_FOUND', 'no such page');
  });

  // Before any route: it documents each /api/ route as it is registered.
  await registerApiDocs(app);
  await app.register(reportRoutes, {
    db: options.db,
    log: options.log,
    limiter: new RateLimiter(options.ingestPerMinute ?? 60, options.ingestBurst ?? 20),
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    requireClientCert: Boolean(options.tls?.clientCa),
  });
  await app.register(readApi, {
    db: options.db,
    log: options.log,
    limiter: new RateLimiter(options.apiPerMinute ?? 120, options.apiBurst ?? 60),
  });
  await app.register(dashboard, {
    db: options.db,
    log: options.log,
    cookies: cookieNames(Boolean(https) || Boolean(options.secureCookies)),
    display: createDisplay(options.timeZone ?? 'UTC'),
    ...(options.attestation ? { attestation: options.attestation } : {}),
    ...(options.auth ? { directory: createDirectory(options.auth, options.log) } : {}),
  });
  if (options.deliveries !== false) {
    const deliveries = options.deliveries;
    let stop: (() => Promise<void>) | undefined;
    let stopSinks: (() => Promise<void>) | undefined;
    app.addHook('onReady', async () => {
      stop = startDispatcher(options.db, options.log, deliveries);
      // Without a config the periodic check still runs (webhooks hear of expiring exemptions
      // and silent agents too), with the default thresholds and no syslog or e-mail sinks.
      stopSinks = await startEventSinks(
        options.db,
        options.log,
        options.events ?? NO_EVENTS_CONFIG,
        deliveries,
      );
    });
    app.addHook('onClose', async () => {
      await Promise.all([stop?.(), stopSinks?.()]);
    });
  }
  return app;
}
