/**
 * The agent endpoint: POST /api/v1/reports with `Authorization: Bearer <token>` (the scheme
 * name is case-insensitive, RFC 9110 §11.1, so `bearer` works too). The token, the client
 * certificate and the rate limit are checked in onRequest, before a byte of the body is read:
 * an anonymous client can make the collector buffer nothing. The body is then bounded in shape
 * before it is parsed (REPORT_JSON_BOUNDS) and in array lengths before it is validated.
 * Answers are `{status}` on success and `{error, code, fix, field?}` otherwise, which the
 * agent's push client turns into a sentence for the admin (src/agent/push/send.ts).
 */
import type { TLSSocket } from 'node:tls';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { REPORT_JSON_BOUNDS } from '../../contract/report-bounds.js';
import { checkReport } from '../../contract/report-schema.js';
import type { Report } from '../../contract/types.js';
import { scanJsonBounds } from '../../core/json-bounds.js';
import type { Logger } from '../../core/log.js';
import type { Database } from '../db/index.js';
import { verifyAgentToken } from '../store/access.js';
import { ingestReport } from '../store/ingest.js';
import { CollectorError } from './errors.js';
import type { RateLimiter } from './rate-limit.js';

export interface ReportRoutesOptions {
  readonly db: Database;
  readonly log: Logger;
  readonly limiter: RateLimiter;
  readonly bodyLimit: number;
  readonly requireClientCert: boolean;
}

interface AgentIdentity {
  readonly tokenId: string;
  readonly site: string;
}

// Unknown parameters are dropped (fastify's removeAdditional), never read.
const NO_QUERY = { type: 'object', properties: {}, additionalProperties: false } as const;
const BEARER = /^Bearer\s+(\S+)$/i;
const identities = new WeakMap<FastifyRequest, AgentIdentity>();

export const reportRoutes: FastifyPluginAsync<ReportRoutesOptions> = async (app, opts) => {
  const { db, log, limiter } = opts;

  // For load balancers: healthy only when the database answers.
  app.get('/api/v1/health', { schema: { querystring: NO_QUERY } }, async () => {
    await db.get('SELECT 1 AS one');
    return { status: 'ok' };
  });

  // Parsed only after onRequest accepted the token, and only within the shape bounds.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => {
    const bytes = body as Buffer;
    const shape = scanJsonBounds(bytes, REPORT_JSON_BOUNDS);
    if (!shape.ok) {
      done(
        new CollectorError('C_REPORT_TOO_COMPLEX', `the report is too complex: ${shape.reason}`),
        undefined,
      );
      return;
    }
    try {
      done(null, JSON.parse(bytes.toString('utf8')));
    } catch {
      done(new CollectorError('C_BAD_BODY', 'the body is not valid JSON'), undefined);
    }
  });

  const authenticate = async (req: FastifyRequest): Promise<void> => {
    // With --tls-client-ca browsers still reach the dashboard without a certificate; agents must present one.
    if (opts.requireClientCert && !(req.raw.socket as TLSSocket).authorized)
      throw new CollectorError(
        'C_CLIENT_CERT',
        'a client certificate signed by the collector CA is required',
      );
    const m = BEARER.exec(req.headers.authorization ?? '');
    if (!m) throw new CollectorError('C_NO_TOKEN', 'missing bearer token');
    const check = await verifyAgentToken(db, m[1]!);
    if (!check.ok) {
      log.warn({ reason: check.reason, ip: req.ip }, 'agent token refused');
      if (check.reason === 'revoked') throw new CollectorError('C_REVOKED_TOKEN', 'agent token revoked');
      throw new CollectorError('C_UNKNOWN_TOKEN', 'unknown agent token');
    }
    const wait = limiter.take(check.tokenId);
    if (wait > 0) {
      throw new CollectorError('C_RATE', 'too many reports from this agent token', {
        retryAfterS: Math.ceil(wait / 1000),
      });
    }
    identities.set(req, { tokenId: check.tokenId, site: check.site });
  };

  app.post(
    '/api/v1/reports',
    {
      bodyLimit: opts.bodyLimit,
      onRequest: async (req, reply) => {
        try {
          await authenticate(req);
        } catch (err) {
          if (err instanceof CollectorError && err.code === 'C_RATE')
            reply.header('retry-after', String(err.extra.retryAfterS));
          // Do not read an unauthenticated body at all: answer and close the connection.
          reply.header('connection', 'close');
          throw err;
        }
      },
      // The report schema is checked by checkReport (shared with the agent), not by fastify.
      schema: { querystring: NO_QUERY },
    },
    async (req, reply) => {
      const agent = identities.get(req);
      if (!agent) throw new CollectorError('C_NO_TOKEN', 'missing bearer token');
      const problems = checkReport(req.body);
      if (problems.length > 0) {
        const first = problems[0]!;
        throw new CollectorError(
          'C_SCHEMA',
          `report fails camsweep.report/v1 at ${first.field}: ${first.message}`,
          {
            field: first.field,
            problems,
          },
        );
      }
      const report = req.body as Report;
      if (report.agent.site !== agent.site) {
        throw new CollectorError(
          'C_SITE_MISMATCH',
          `this token belongs to site "${agent.site}" but the report names site "${report.agent.site.slice(0, 128)}"`,
        );
      }
      const started = Date.now();
      const result = await db.tx((q) => ingestReport(q, report, { tokenId: agent.tokenId }));
      if (result.status === 'conflict') {
        log.warn({ reportId: report.reportId, site: agent.site }, 'report id reused with other content');
        throw new CollectorError(
          'C_REPORT_ID_CONFLICT',
          `report id ${report.reportId} is already stored with different content or for another site`,
        );
      }
      log.info(
        {
          reportId: report.reportId,
          site: agent.site,
          status: result.status,
          devices: result.devices,
          ms: Date.now() - started,
        },
        'report received',
      );
      return reply
        .code(result.status === 'stored' ? 201 : 200)
        .send({ status: result.status, reportId: report.reportId });
    },
  );
};
