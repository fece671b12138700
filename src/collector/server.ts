/**
 * Builds the collector: one fastify app serving the agent API and the dashboard, with strict
 * security headers on every answer. Stateless apart from the database handed in.
 */
import { readFileSync } from 'node:fs';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import type { Logger } from '../core/log.js';
import { registerApi } from './api.js';
import { type AttestationRenderer, registerAttestation } from './attestation.js';
import { cookieNames, registerDashboard } from './dashboard.js';
import type { Database } from './db/index.js';
import { RateLimiter } from './rate-limit.js';

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
  /** Set Secure cookies even over plain HTTP (the proxy in front speaks HTTPS). */
  readonly secureCookies?: boolean;
  /** Trust X-Forwarded-For from the proxy in front (for login throttling by client address). */
  readonly trustProxy?: boolean;
  /** Renders the dashboard's Attestation download; without it the button's route is absent. */
  readonly attestation?: AttestationRenderer;
}

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
  const app = Fastify({
    loggerInstance: options.log.child({ component: 'collector' }),
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: options.trustProxy ?? false,
    bodyLimit: 64 * 1024,
    requestTimeout: 120_000,
    ...(https ? { https } : {}),
  }) as unknown as FastifyInstance;
  await app.register(fastifyCookie);
  await app.register(fastifyFormbody, { bodyLimit: 16 * 1024 });

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

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) options.log.error({ err, url: req.url }, 'collector request failed');
    const fix =
      err.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? 'raise the collector --max-body, or scan smaller ranges per report'
        : status >= 500
          ? 'see the collector log'
          : 'send JSON with content-type application/json';
    return reply.code(status).send({ error: status >= 500 ? 'internal error' : err.message, fix });
  });

  registerApi(app, {
    db: options.db,
    log: options.log,
    limiter: new RateLimiter(options.ingestPerMinute ?? 60, options.ingestBurst ?? 20),
    bodyLimit: options.bodyLimit ?? 32 * 1024 * 1024,
    requireClientCert: Boolean(options.tls?.clientCa),
  });
  const cookies = cookieNames(Boolean(https) || Boolean(options.secureCookies));
  registerDashboard(app, { db: options.db, log: options.log, cookies });
  if (options.attestation)
    registerAttestation(app, { db: options.db, log: options.log, cookies, render: options.attestation });
  return app;
}
