/**
 * The read API suite (api-suite.ts) against a real PostgreSQL cluster this test starts itself
 * (unix socket only). Skips only off CI when not root; in CI a missing PostgreSQL fails the run.
 */
import { afterAll } from 'vitest';
import { type PgCluster, pgUnavailable, startPgCluster } from '../../src/collector/testing/pg-cluster.js';
import { apiSuite } from './api-suite.js';

const inCI = process.env.CI === 'true' || process.env.CI === '1';
const unavailable = pgUnavailable();
if (unavailable && inCI) throw new Error(`PostgreSQL read-API tests cannot run in CI: ${unavailable}`);
if (unavailable) process.stderr.write(`skipping PostgreSQL read-API tests: ${unavailable}\n`);

let cluster: PgCluster | undefined;
afterAll(() => cluster?.stop());

// The cluster's own database is fresh: the suite needs only one.
apiSuite(
  'PostgreSQL',
  unavailable
    ? null
    : async () => {
        cluster = startPgCluster();
        return cluster.url;
      },
);
