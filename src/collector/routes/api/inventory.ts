/**
 * The read API's inventory routes: devices (a page, or one with its findings and evidence),
 * findings, coverage per scan, sites, and the audit trail. Each reads only within the
 * token's scope; a device outside it is 404, exactly like one that does not exist. Answers
 * are serialised by the response schemas in schemas.ts, so a field not listed there never
 * leaves the collector.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Static, TSchema } from 'typebox';
import type { Verdict } from '../../../contract/types.js';
import type { Sql } from '../../db/sql.js';
import { likePattern } from '../../db/sql.js';
import { allAudit } from '../../store/audit.js';
import {
  type DeviceFilter,
  type DeviceRow,
  deviceDetail,
  devicesAfter,
  overview,
  type RemediationState,
} from '../../store/queries.js';
import { scansAfter } from '../../store/scan-coverage.js';
import { CollectorError } from '../errors.js';
import { tokenScope } from './access.js';
import { type CursorKind, decodeCursor, encodeCursor } from './cursor.js';
import {
  AuditListSchema,
  AuditQuerySchema,
  CoverageListSchema,
  CoverageQuerySchema,
  DEFAULT_PAGE,
  DeviceDetailSchema,
  DeviceListSchema,
  DeviceParamsSchema,
  DeviceQuerySchema,
  ErrorSchema,
  FindingListSchema,
  FindingQuerySchema,
  NoQuerySchema,
  REFUSALS,
  SiteListSchema,
} from './schemas.js';

const SECURITY = [{ apiToken: [] }];

/** The device fields every answer carries, in the documented shape. */
function asApiDevice(d: DeviceRow) {
  return {
    id: d.id,
    site: d.site,
    ip: d.ip,
    mac: d.mac,
    serial: d.serial,
    manufacturer: d.manufacturer,
    brand: d.brand,
    deviceType: d.deviceType,
    model: d.model,
    firmware: d.firmware,
    confidence: d.confidence,
    verdict: d.verdict,
    rules: d.rules ? d.rules.split(' ') : [],
    rulesVersion: d.rulesVersion,
    firstSeen: d.firstSeen,
    lastSeen: d.lastSeen,
    remediation: {
      state: d.state,
      approver: d.approver,
      reason: d.reason,
      expiresAt: d.expiresAt,
      updatedAt: d.stateUpdatedAt,
    },
    location: d.location,
  };
}

/**
 * "Changed since T" by the collector's own clock, so a report an agent spooled for a day still
 * counts as news when it arrives: the device's latest report was received at or after T,
 * remediation was recorded at or after T, or an exemption ran out since T (the device is open
 * again, though nothing was written).
 */
function changedSince(at: string | undefined): { sql: string; params: unknown[] } | null {
  if (!at) return null;
  const iso = new Date(at).toISOString();
  return {
    sql: `(d.last_scan_id IN (SELECT id FROM scans WHERE received_at >= ?) OR r.updated_at >= ?
      OR (r.state = 'exempted' AND r.expires_at >= ? AND r.expires_at < ?))`,
    params: [iso, iso, iso, new Date().toISOString()],
  };
}

/** Keeps devices carrying `rule`; rules are stored space-separated in devices.rules. */
function withRule(rule: string | undefined): { sql: string; params: unknown[] } | null {
  if (!rule) return null;
  return { sql: `(' ' || d.rules || ' ') LIKE ? ESCAPE '\\'`, params: [likePattern(` ${rule} `)] };
}

function both(
  a: { sql: string; params: unknown[] } | null,
  b: { sql: string; params: unknown[] } | null,
): { sql: string; params: unknown[] } | null {
  if (!a || !b) return a ?? b;
  return { sql: `${a.sql} AND ${b.sql}`, params: [...a.params, ...b.params] };
}

async function sitesInScope(q: Sql, scope: ReturnType<typeof tokenScope>) {
  return (await overview(q, scope, 0)).map((s) => ({
    name: s.site,
    counts: {
      covered: s.counts.covered,
      suspect: s.counts.suspect,
      notCovered: s.counts['not-covered'],
      unknown: s.counts.unknown,
    },
    open: s.open,
    exempted: s.exempted,
    removed: s.removed,
    agents: Number(s.agents),
    lastScan: s.lastScan,
    rulesVersion: s.rulesVersion,
    latestCoverage: s.coverage,
  }));
}

/** Cuts `limit` rows off `rows` (fetched limit + 1) and says where the next page starts, if any. */
function keysetPage<T extends { id: number }>(kind: CursorKind, rows: readonly T[], limit: number) {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    page,
    nextCursor: rows.length > limit && last ? encodeCursor(kind, { id: last.id, offset: 0 }) : null,
  };
}

/** A token-checked route's documentation and schemas (operationId, summary, query, the 200 answer). */
function apiSchema(
  operationId: string,
  summary: string,
  querystring: TSchema,
  ok: TSchema,
  more: { description?: string; tags?: string[]; params?: TSchema; response?: Record<number, TSchema> } = {},
) {
  const { response, tags, ...rest } = more;
  return {
    operationId,
    summary,
    tags: tags ?? ['inventory'],
    security: SECURITY,
    querystring,
    ...rest,
    response: { 200: ok, ...REFUSALS, ...response },
  };
}

export const inventoryRoutes: FastifyPluginAsync<{ db: Sql }> = async (app, { db }) => {
  const read = { apiAccess: 'read' as const };

  app.get(
    '/api/v1/devices',
    {
      config: read,
      schema: apiSchema('listDevices', 'Devices, filtered and paged', DeviceQuerySchema, DeviceListSchema, {
        description:
          'Devices in the sites the token reaches, in id order. Filter by site, verdict, remediation state or changedSince; follow nextCursor until it is null.',
      }),
    },
    async (req) => {
      const query = req.query as Static<typeof DeviceQuerySchema>;
      const limit = query.limit ?? DEFAULT_PAGE;
      const at = decodeCursor('devices', query.cursor);
      const filter: DeviceFilter = {
        site: query.site,
        verdict: query.verdict as Verdict | undefined,
        state: query.state as RemediationState | undefined,
      };
      const rows = await devicesAfter(
        db,
        filter,
        tokenScope(req, 'read'),
        { afterId: at.id, limit: limit + 1 },
        changedSince(query.changedSince),
      );
      const { page, nextCursor } = keysetPage('devices', rows, limit);
      return { devices: page.map(asApiDevice), nextCursor };
    },
  );

  app.get(
    '/api/v1/devices/:id',
    {
      config: read,
      schema: apiSchema(
        'getDevice',
        'One device with its findings, evidence and history',
        NoQuerySchema,
        DeviceDetailSchema,
        { params: DeviceParamsSchema, response: { 404: ErrorSchema } },
      ),
    },
    async (req) => {
      const id = Number((req.params as Static<typeof DeviceParamsSchema>).id);
      const d = await deviceDetail(db, id, tokenScope(req, 'read'));
      if (!d) throw new CollectorError('C_NOT_FOUND', 'no such device');
      return {
        ...asApiDevice(d),
        hostnames: d.hostnames,
        findings: d.findings,
        evidence: d.evidence,
        verdictChanges: d.verdictChanges,
        remediationLog: d.remediationLog,
        seenAfterRemoval: d.seenAfterRemoval,
      };
    },
  );

  app.get(
    '/api/v1/findings',
    {
      config: read,
      schema: apiSchema(
        'listFindings',
        'Rule findings, one item per rule per device',
        FindingQuerySchema,
        FindingListSchema,
        {
          description:
            'What a ticket is opened for: each rule that applies to a device, with the device it applies to. Paged like /devices.',
        },
      ),
    },
    async (req) => {
      const query = req.query as Static<typeof FindingQuerySchema>;
      const limit = query.limit ?? DEFAULT_PAGE;
      const at = decodeCursor('findings', query.cursor);
      const filter: DeviceFilter = { site: query.site, verdict: query.verdict as Verdict | undefined };
      const findings = [];
      let next: string | null = null;
      // The cursor names the device to resume at and how many of its findings were sent. Every
      // device fetched has at least one finding, so limit + 1 devices fill a page and show whether more follow.
      const devices = await devicesAfter(
        db,
        filter,
        tokenScope(req, 'read'),
        { afterId: at.id - 1, limit: limit + 1 },
        both(
          both({ sql: "d.rules <> ''", params: [] }, withRule(query.rule)),
          changedSince(query.changedSince),
        ),
      );
      outer: for (const d of devices) {
        const own = d.findings.filter((f) => !query.rule || f.rule === query.rule);
        const from = d.id === at.id ? at.offset : 0;
        for (let i = from; i < own.length; i++) {
          if (findings.length === limit) {
            next = encodeCursor('findings', { id: d.id, offset: i });
            break outer;
          }
          findings.push({
            deviceId: d.id,
            site: d.site,
            ip: d.ip,
            mac: d.mac,
            verdict: d.verdict,
            state: d.state,
            lastSeen: d.lastSeen,
            ...own[i]!,
          });
        }
      }
      return { findings, nextCursor: next };
    },
  );

  app.get(
    '/api/v1/coverage',
    {
      config: read,
      schema: apiSchema(
        'listCoverage',
        'Scans with what each reached and what it could not see',
        CoverageQuerySchema,
        CoverageListSchema,
      ),
    },
    async (req) => {
      const query = req.query as Static<typeof CoverageQuerySchema>;
      const limit = query.limit ?? DEFAULT_PAGE;
      const at = decodeCursor('scans', query.cursor);
      const since = query.since ? new Date(query.since).toISOString() : undefined;
      const rows = await scansAfter(db, { site: query.site, since }, tokenScope(req, 'read'), {
        afterId: at.id,
        limit: limit + 1,
      });
      const { page, nextCursor } = keysetPage('scans', rows, limit);
      return { scans: page, nextCursor };
    },
  );

  app.get(
    '/api/v1/sites',
    {
      config: read,
      schema: apiSchema(
        'listSites',
        'Sites with verdict and remediation counts and their latest coverage',
        NoQuerySchema,
        SiteListSchema,
      ),
    },
    async (req) => ({ sites: await sitesInScope(db, tokenScope(req, 'read')) }),
  );

  app.get(
    '/api/v1/audit',
    {
      config: { apiAccess: 'audit' },
      schema: apiSchema(
        'listAudit',
        'The audit trail, oldest first (auditor tokens)',
        AuditQuerySchema,
        AuditListSchema,
        {
          description:
            'Entries about the sites the token reaches (an all-site token also sees sign-ins and user changes). Each entry carries the hash of the one before it.',
          tags: ['audit'],
        },
      ),
    },
    async (req) => {
      const query = req.query as Static<typeof AuditQuerySchema>;
      const limit = query.limit ?? DEFAULT_PAGE;
      const at = decodeCursor('audit', query.cursor);
      const entries = [];
      for await (const e of allAudit(db, tokenScope(req, 'audit'), limit + 1, at.id)) {
        entries.push(e);
        if (entries.length > limit) break;
      }
      const { page, nextCursor } = keysetPage('audit', entries, limit);
      return { entries: page, nextCursor };
    },
  );
};
