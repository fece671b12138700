/**
 * Starts a collector on 127.0.0.1 with an ephemeral port over SQLite (temp file) or a
 * throwaway PostgreSQL cluster, for tests. Returns what a test needs to talk to it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { type Database, openDatabase } from '../../src/collector/db/index.js';
import { buildCollector, type CollectorOptions } from '../../src/collector/server.js';
import { createAgentToken, createUser } from '../../src/collector/store/access.js';
import { grantRole, ROLES } from '../../src/collector/store/roles.js';
import { silentLogger } from '../../src/core/log.js';

export interface RunningCollector {
  readonly app: FastifyInstance;
  readonly db: Database;
  readonly url: string;
  readonly token: string;
  stop(): Promise<void>;
}

export const ADMIN = { username: 'auditor', password: 'correct horse battery staple' };

/** A loopback port nothing listens on right now (for a peer that starts later). */
export async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A user holding every role on every site, as the tests that predate roles expect. */
export async function createUserWithEveryRole(db: Database, username: string, password: string) {
  await createUser(db, username, password);
  for (const role of ROLES) await grantRole(db, username, { role, kind: 'all', name: '' });
}

export async function startCollector(
  location: string,
  options: Partial<Omit<CollectorOptions, 'db' | 'log'>> & { site?: string; port?: number } = {},
): Promise<RunningCollector> {
  const db = await openDatabase(location);
  const { token } = await createAgentToken(db, options.site ?? 'city-hall', 'test');
  await createUserWithEveryRole(db, ADMIN.username, ADMIN.password);
  const app = await buildCollector({ db, log: silentLogger, ...options });
  await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const scheme = options.tls ? 'https' : 'http';
  return {
    app,
    db,
    url: `${scheme}://127.0.0.1:${port}`,
    token,
    stop: async () => {
      await app.close();
      await db.close();
    },
  };
}

/** "METHOD /path" for every route in fastify's printed route tree (HEAD twins left out). */
export function servedRoutes(tree: string): string[] {
  const stack: string[] = [];
  const out: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^([ │]*)[├└]── (.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    stack.length = m[1]!.length / 4;
    stack.push(m[2]!);
    for (const method of m[3]?.split(', ') ?? [])
      if (method !== 'HEAD') out.push(`${method} ${stack.join('')}`);
  }
  return out;
}
