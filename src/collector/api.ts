/**
 * The agent endpoint: POST /api/v1/reports with `Authorization: Bearer <token>`. Answers are
 * JSON `{status}` on success and `{error, field?, fix}` otherwise, which the agent's push client
 * turns into a sentence for the admin (src/agent/push/send.ts).
 */
import type { TLSSocket } from 'node:tls';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { checkReport } from '../contract/report-schema.js';
import type { Report } from '../contract/types.js';
import type { Logger } from '../core/log.js';
import type { Database } from './db/index.js';
import type { RateLimiter } from './rate-limit.js';
import { verifyAgentToken } from './store/access.js';
import { ingestReport } from './store/ingest.js';

function refuse(reply: FastifyReply, status: number, error: string, fix: string, extra: object = {}) {
  return reply.code(status).send({ error, fix, ...extra });
}

export function registerApi(
  app: FastifyInstance,
  deps: { db: Database; log: Logger; limiter: RateLimiter; bodyLimit: number; requireClientCert: boolean },
): void {
  const { db, log, limiter } = deps;
  // For load balancers: healthy only when the database answers.
  app.get('/api/v1/health', async () => {
    await db.get('SELECT 1 AS one');
    return { status: 'ok' };
  });

  app.post('/api/v1/reports', { bodyLimit: deps.bodyLimit }, async (req, reply) => {
    // With --tls-client-ca browsers still reach the dashboard without a certificate; agents must present one.
    if (deps.requireClientCert && !(req.raw.socket as TLSSocket).authorized) {
      return refuse(
        reply,
        403,
        'a client certificate signed by the collector CA is required',
        'set push.cert and push.key on the agent',
      );
    }
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) {
      return refuse(reply, 401, 'missing bearer token', 'set push.token or push.tokenFile on the agent');
    }
    const check = await verifyAgentToken(db, m[1]!);
    if (!check.ok) {
      log.warn({ reason: check.reason, ip: req.ip }, 'agent token refused');
      if (check.reason === 'revoked') {
        return refuse(
          reply,
          403,
          'agent token revoked',
          'create a new token with `camsweep collector token create`',
        );
      }
      return refuse(
        reply,
        401,
        'unknown agent token',
        'create a token with `camsweep collector token create --site NAME`',
      );
    }
    const wait = limiter.take(check.tokenId);
    if (wait > 0) {
      reply.header('retry-after', String(Math.ceil(wait / 1000)));
      return refuse(
        reply,
        429,
        'too many reports from this agent token',
        'wait and resend; the agent does so by itself',
      );
    }
    const problems = checkReport(req.body);
    if (problems.length > 0) {
      const first = problems[0]!;
      return refuse(
        reply,
        400,
        `report fails camsweep.report/v1 at ${first.field}: ${first.message}`,
        'upgrade the agent and collector to matching versions',
        { field: first.field, problems },
      );
    }
    const report = req.body as Report;
    if (report.agent.site !== check.site) {
      return refuse(
        reply,
        403,
        `this token belongs to site "${check.site}" but the report names site "${report.agent.site.slice(0, 128)}"`,
        'set the agent site to the token site, or create a token for this site',
      );
    }
    const started = Date.now();
    const result = await db.tx((q) => ingestReport(q, report, { tokenId: check.tokenId }));
    log.info(
      {
        reportId: report.reportId,
        site: check.site,
        status: result.status,
        devices: result.devices,
        ms: Date.now() - started,
      },
      'report received',
    );
    return reply
      .code(result.status === 'stored' ? 201 : 200)
      .send({ status: result.status, reportId: report.reportId });
  });
}
