/**
 * The collector suite against a real PostgreSQL cluster this test starts itself (unix socket
 * only). Skips only off CI when not root; in CI a missing PostgreSQL fails the run.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { type PgCluster, pgUnavailable, startPgCluster } from '../../src/collector/testing/pg-cluster.js';
import { collectorSuite } from './suite.js';

const inCI = process.env.CI === 'true' || process.env.CI === '1';
const unavailable = pgUnavailable();
if (unavailable && inCI) throw new Error(`PostgreSQL collector tests cannot run in CI: ${unavailable}`);
if (unavailable) process.stderr.write(`skipping PostgreSQL collector tests: ${unavailable}\n`);

let cluster: PgCluster | undefined;
beforeAll(() => {
  if (!unavailable) cluster = startPgCluster();
});
afterAll(() => cluster?.stop());

async function freshDatabase(): Promise<string> {
  const name = `c_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: cluster!.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return cluster!.url.replace('/postgres?', `/${name}?`);
}

collectorSuite('PostgreSQL', unavailable ? null : { location: freshDatabase }, unavailable);
