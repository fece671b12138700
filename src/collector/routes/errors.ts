/**
 * The collector's one error path. Every refusal has a stable code, an HTTP status and a fix;
 * routes throw `CollectorError` (or let fastify raise a validation or body-size error) and
 * `handleError` answers: JSON `{error, code, fix}` under /api/, a problem page elsewhere.
 * Messages never quote request text beyond what the catalogue puts there, so nothing an
 * attacker sends is echoed back verbatim.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../../core/log.js';
import { renderPage } from '../views/index.js';

interface Entry {
  readonly status: number;
  readonly fix: string;
}

export const collectorErrors = {
  C_BAD_QUERY: { status: 400, fix: 'give each query parameter at most once, with a value the page offers' },
  C_BAD_BODY: { status: 400, fix: 'send JSON with content-type application/json' },
  C_BODY_TOO_LARGE: {
    status: 413,
    fix: 'raise the collector --max-body, or scan smaller ranges per report',
  },
  C_REPORT_TOO_COMPLEX: {
    status: 413,
    fix: 'a report holds at most 70,000 devices and nests a few levels deep; scan smaller ranges per report',
  },
  C_UNSUPPORTED_MEDIA: { status: 415, fix: 'send the report as application/json' },
  C_NO_TOKEN: { status: 401, fix: 'set push.token or push.tokenFile on the agent' },
  C_UNKNOWN_TOKEN: { status: 401, fix: 'create a token with `camsweep collector token create --site NAME`' },
  C_REVOKED_TOKEN: { status: 403, fix: 'create a new token with `camsweep collector token create`' },
  C_CLIENT_CERT: { status: 403, fix: 'set push.cert and push.key on the agent' },
  C_RATE: { status: 429, fix: 'wait and resend; the agent does so by itself' },
  C_SCHEMA: { status: 400, fix: 'upgrade the agent and collector to matching versions' },
  C_SITE_MISMATCH: {
    status: 403,
    fix: 'set the agent site to the token site, or create a token for this site',
  },
  C_REPORT_ID_CONFLICT: {
    status: 409,
    fix: 'each report needs its own id; an agent never reuses one, so check for a copied spool or a forged report',
  },
  // The read API (routes/api/): its own codes, since its tokens are not the agents'.
  C_API_TOKEN: {
    status: 401,
    fix: 'send Authorization: Bearer with a token from `camsweep collector api-token create` (agent tokens do not open the read API)',
  },
  C_API_TOKEN_REVOKED: {
    status: 401,
    fix: 'this API token was revoked; ask an administrator for a new one (`camsweep collector api-token create`)',
  },
  C_API_ROLE: {
    status: 403,
    fix: 'use a token whose role grants this route (the audit trail needs --role auditor)',
  },
  C_API_RATE: {
    status: 429,
    fix: 'wait the Retry-After seconds; fetch larger pages rather than more requests',
  },
  C_NOT_FOUND: { status: 404, fix: 'check the address' },
  C_INTERNAL: { status: 500, fix: 'see the collector log' },
} as const satisfies Record<string, Entry>;

export type CollectorErrorCode = keyof typeof collectorErrors;

export class CollectorError extends Error {
  readonly code: CollectorErrorCode;
  readonly statusCode: number;
  readonly fix: string;
  readonly extra: Record<string, unknown>;

  constructor(code: CollectorErrorCode, message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.name = 'CollectorError';
    this.code = code;
    this.statusCode = collectorErrors[code].status;
    this.fix = collectorErrors[code].fix;
    this.extra = extra;
  }
}

/** Maps anything thrown in a route to a catalogued error. */
export function toCollectorError(err: FastifyError | Error): CollectorError {
  if (err instanceof CollectorError) return err;
  const e = err as FastifyError;
  if (e.validation) {
    const where = e.validationContext ?? 'request';
    const first = e.validation[0];
    const field = first?.instancePath ? `${where}${first.instancePath}` : where;
    return new CollectorError(
      where === 'body' ? 'C_BAD_BODY' : 'C_BAD_QUERY',
      `${field} ${first?.message ?? 'is invalid'}`,
    );
  }
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new CollectorError('C_BODY_TOO_LARGE', 'the request body is larger than the limit');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new CollectorError('C_UNSUPPORTED_MEDIA', 'unsupported content type');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new CollectorError('C_BAD_BODY', 'the body is not valid JSON');
  }
  if (e instanceof SyntaxError || (e.statusCode === 400 && !e.code?.startsWith('C_')))
    return new CollectorError('C_BAD_BODY', 'the body could not be read');
  if (e.statusCode === 404) return new CollectorError('C_NOT_FOUND', 'no such page');
  return new CollectorError('C_INTERNAL', 'internal error');
}

export function errorHandler(log: Logger) {
  return (err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply) => {
    const e = toCollectorError(err);
    if (e.statusCode >= 500) log.error({ err, url: req.url.slice(0, 256) }, 'collector request failed');
    if (req.url.startsWith('/api/')) {
      return reply.code(e.statusCode).send({ error: e.message, code: e.code, fix: e.fix, ...e.extra });
    }
    return reply
      .code(e.statusCode)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(
        renderPage(
          'problem',
          { title: 'Refused', user: null, csrf: null },
          { heading: 'Request refused', message: `${e.message}. ${e.fix}.` },
        ),
      );
  };
}
