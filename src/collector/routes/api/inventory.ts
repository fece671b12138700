/**
 * The read API's inventory routes: devices (a page, or one with its findings and evidence),
 * findings, coverage per scan, sites, and the audit trail. Each reads only within the
 * token's scope; a device outside it is 404, exactly like one that does not exist. Answers
 * are serialised by the response schemas in schemas.ts, so a field not listed there never
 * leaves the collector.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Static } from 'typebox';
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
import { decodeCursor, encodeCursor } from './cursor.js';
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
 * counts as news when it arrives: the device's latest report was received at or after T, or
 * remediation was recorded at or after T.
 */
function changedSince(at: string | undefined): { sql: string; params: unknown[] } | null {
  if (!at) return null;
  const iso = new Date(at).toISOString();
  return {
    sql: '((SELECT received_at FROM scans WHERE id = d.last_scan_id) >= ? OR r.updated_at >= ?)',
    params: [iso, iso],
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

export const inventoryRoutes: FastifyPluginAsync<{ db: Sql }> = async (app, { db }) => {
  const read = { apiAccess: 'read' as const };

  app.get(
    '/api/v1/devices',
    {
      config: read,
      schema: {
        operationId: 'listDevices',
        summary: 'Devices, filtered and paged',
        description:
          'Devices in the sites the token reaches, in id order. Filter by site, verdict, remediation state or changedSince; follow nextCursor until it is null.',
        tags: ['inventory'],
        security: SECURITY,
        querystring: DeviceQuerySchema,
        response: { 200: DeviceListSchema, ...REFUSALS },
      },
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
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        devices: page.map(asApiDevice),
        nextCursor: rows.length > limit && last ? encodeCursor('devices', { id: last.id, offset: 0 }) : null,
      };
    },
  );

  app.get(
    '/api/v1/devices/:id',
    {
      config: read,
      schema: {
        operationId: 'getDevice',
        summary: 'One device with its findings, evidence and history',
        tags: ['inventory'],
        security: SECURITY,
        params: DeviceParamsSchema,
        querystring: NoQuerySchema,
        response: { 200: DeviceDetailSchema, 404: REFUSALS[400], ...REFUSALS },
      },
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
      schema: {
        operationId: 'listFindings',
        summary: 'Rule findings, one item per rule per device',
        description:
          'What a ticket is opened for: each rule that applies to a device, with the device it applies to. Paged like /devices.',
        tags: ['inventory'],
        security: SECURITY,
        querystring: FindingQuerySchema,
        response: { 200: FindingListSchema, ...REFUSALS },
      },
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
      schema: {
        operationId: 'listCoverage',
        summary: 'Scans with what each reached and what it could not see',
        tags: ['inventory'],
        security: SECURITY,
        querystring: CoverageQuerySchema,
        response: { 200: CoverageListSchema, ...REFUSALS },
      },
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
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        scans: page,
        nextCursor: rows.length > limit && last ? encodeCursor('scans', { id: last.id, offset: 0 }) : null,
      };
    },
  );

  app.get(
    '/api/v1/sites',
    {
      config: read,
      schema: {
        operationId: 'listSites',
        summary: 'Sites with verdict and remediation counts and their latest coverage',
        tags: ['inventory'],
        security: SECURITY,
        querystring: NoQuerySchema,
        response: { 200: SiteListSchema, ...REFUSALS },
      },
    },
    async (req) => ({ sites: await sitesInScope(db, tokenScope(req, 'read')) }),
  );

  app.get(
    '/api/v1/audit',
    {
      config: { apiAccess: 'audit' },
      schema: {
        operationId: 'listAudit',
        summary: 'The audit trail, oldest first (auditor tokens)',
        description:
          'Entries about the sites the token reaches (an all-site token also sees sign-ins and user changes). Each entry carries the hash of the one before it.',
        tags: ['audit'],
        security: SECURITY,
        querystring: AuditQuerySchema,
        response: { 200: AuditListSchema, ...REFUSALS },
      },
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
      const page = entries.slice(0, limit);
      const last = page[page.length - 1];
      return {
        entries: page,
        nextCursor: entries.length > limit && last ? encodeCursor('audit', { id: last.id, offset: 0 }) : null,
      };
    },
  );
};
