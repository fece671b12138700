/** Every attack scenario, in the order the table prints them (most severe item first). */
import type { Scenario } from '../lib.js';
import { bruteForce } from './brute-force.js';
import { injection } from './injection.js';
import { kill9 } from './kill9.js';
import { memory } from './memory.js';
import { secretsInErrors } from './secrets.js';
import { fullDiskSpool, localReject } from './spool.js';
import { duplicates, exemptionDates, hostileQueries, sessions } from './web.js';

export const SCENARIOS: readonly Scenario[] = [
  memory,
  bruteForce,
  fullDiskSpool,
  sessions,
  secretsInErrors,
  hostileQueries,
  duplicates,
  localReject,
  injection,
  exemptionDates,
  kill9,
];
