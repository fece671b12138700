/**
 * A collector with two sites for the read-API tests: city-hall (the lab's four devices and one
 * whose strings are hostile) and school-east (the switch lab, with a coverage section), the
 * school-east site in group "schools", and one API token per kind of caller.
 */
import type { FastifyInstance } from 'fastify';
import { type Database, openDatabase } from '../../src/collector/db/index.js';
import { buildCollector, type CollectorOptions } from '../../src/collector/server.js';
import { createAgentToken } from '../../src/collector/store/access.js';
import { createApiToken, revokeApiToken } from '../../src/collector/store/api-tokens.js';
import { ingestReport } from '../../src/collector/store/ingest.js';
import { addSiteToGroup, type Grant } from '../../src/collector/store/roles.js';
import { silentLogger } from '../../src/core/log.js';
import { hikvisionCamera, labReport, switchLabReport } from './fixtures.js';

// Quotes, backslashes, markup, a terminal escape, a bell, bidi override and line separators.
// No NUL: ingest stores it as U+FFFD on both databases (PostgreSQL text cannot hold one), so it would not come back byte for byte.
export const HOSTILE = `"quoted" \\back\\slash </script><script>alert(3)</script>\u001b[31m\u0007\u202e\n\u2028end`;

/** Callers of the API: the grant each token holds (`revoked` is revoked after creation). */
export const TOKEN_GRANTS = {
  viewer: { role: 'viewer', kind: 'all', name: '' },
  auditor: { role: 'auditor', kind: 'all', name: '' },
  operator: { role: 'operator', kind: 'all', name: '' },
  admin: { role: 'admin', kind: 'all', name: '' },
  'school-viewer': { role: 'viewer', kind: 'group', name: 'schools' },
  'school-site-viewer': { role: 'viewer', kind: 'site', name: 'school-east' },
  'school-auditor': { role: 'auditor', kind: 'group', name: 'schools' },
  revoked: { role: 'auditor', kind: 'all', name: '' },
} as const satisfies Record<string, Grant>;
export type TokenName = keyof typeof TOKEN_GRANTS;

export interface ApiWorld {
  readonly db: Database;
  readonly app: FastifyInstance;
  readonly tokens: Record<TokenName, string>;
  readonly tokenIds: Record<TokenName, string>;
  readonly agentToken: string;
  readonly ids: { readonly city: number; readonly school: number; readonly hostile: number };
  close(): Promise<void>;
}

/** Seeds the two sites into `db` and creates the tokens. */
export async function seedApiWorld(db: Database) {
  const hostile = hikvisionCamera({
    ip: '10.20.0.99',
    mac: '58:50:ed:00:00:99',
    hostnames: [HOSTILE],
    identity: { ...hikvisionCamera().identity, model: HOSTILE, serial: 'SERIAL-99' },
    findings: [
      ...hikvisionCamera().findings,
      { ...hikvisionCamera().findings[0]!, rule: 'us-fcc-covered-list', title: 'FCC Covered List' },
    ],
    evidence: [{ probe: 'http', key: 'http.html.title', value: HOSTILE, port: 80 }],
  });
  const city = labReport({ site: 'city-hall', at: '2026-11-30T10:00:00.000Z' });
  await db.tx((q) => ingestReport(q, { ...city, devices: [...city.devices, hostile] }, { tokenId: null }));
  await db.tx((q) =>
    ingestReport(q, switchLabReport({ site: 'school-east', at: '2026-11-30T11:00:00.000Z' }), {
      tokenId: null,
    }),
  );
  await addSiteToGroup(db, 'schools', 'school-east');
  await addSiteToGroup(db, 'schools', 'school-west');
  const tokens = {} as Record<TokenName, string>;
  const tokenIds = {} as Record<TokenName, string>;
  for (const [name, grant] of Object.entries(TOKEN_GRANTS) as [TokenName, Grant][]) {
    const t = await createApiToken(db, grant, name, 'test');
    tokens[name] = t.token;
    tokenIds[name] = t.id;
  }
  await revokeApiToken(db, tokenIds.revoked, 'test');
  const idOf = async (ip: string) =>
    (await db.get<{ id: number }>('SELECT id FROM devices WHERE ip = ?', [ip]))!.id;
  const ids = {
    city: await idOf('10.20.0.64'),
    school: await idOf('10.79.0.64'),
    hostile: await idOf('10.20.0.99'),
  };
  const { token: agentToken } = await createAgentToken(db, 'city-hall', 'agent');
  return { tokens, tokenIds, ids, agentToken };
}

/** A collector over a fresh database at `location` (a SQLite file or a postgres:// URL), seeded. */
export async function startApiWorld(
  location: string,
  options: Partial<Omit<CollectorOptions, 'db' | 'log'>> = {},
): Promise<ApiWorld> {
  const db = await openDatabase(location);
  const seeded = await seedApiWorld(db);
  const app = await buildCollector({ db, log: silentLogger, deliveries: false, ...options });
  await app.ready();
  return {
    db,
    app,
    ...seeded,
    close: async () => {
      await app.close();
      await db.close();
    },
  };
}

/** One GET with an API token (or none). */
export function apiGet(app: FastifyInstance, url: string, token: string | null) {
  return app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });
}
