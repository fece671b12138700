/**
 * Runs in a separate process (bundled by outage.test.ts) so the test can `kill -9` a real
 * pushing process. argv[2] is JSON: {url, token, spoolDir, timeoutMs, report?}. With a report
 * it submits it; without, it flushes the spool. Prints the outcome as one JSON line.
 */

import { createPusher } from '../../src/agent/push/index.js';
import type { Report } from '../../src/contract/types.js';
import { createLogger, silentLogger } from '../../src/core/log.js';

const args = JSON.parse(process.argv[2] ?? '{}') as {
  url: string;
  token: string;
  spoolDir: string;
  timeoutMs: number;
  report?: Report;
};
const pusher = createPusher(
  {
    url: args.url,
    token: args.token,
    tokenFile: null,
    ca: null,
    cert: null,
    key: null,
    spoolDir: args.spoolDir,
    spoolMaxReports: 100,
    spoolMaxBytes: 10 * 1024 * 1024,
    timeout: args.timeoutMs,
    retries: 0,
    retryInitial: 10,
    retryMax: 10,
  },
  process.env.PUSH_CHILD_DEBUG ? createLogger('debug') : silentLogger,
);
const outcome = args.report ? await pusher.submit(args.report) : await pusher.flush();
process.stdout.write(`${JSON.stringify(outcome)}\n`);
await pusher.close();
