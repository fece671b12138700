/**
 * A pusher in its own process, built from argv[2].root, so the kill -9 scenario can kill it
 * mid-write or mid-send. With a report it submits it; without, it flushes. Prints the outcome.
 */
import { pathToFileURL } from 'node:url';

const args = JSON.parse(process.argv[2] ?? '{}') as {
  root: string;
  url: string;
  token: string;
  spoolDir: string;
  report?: object;
};
const { createPusher } = (await import(
  pathToFileURL(`${args.root}/dist/src/agent/push/index.js`).href
)) as typeof import('../../src/agent/push/index.js');
const { silentLogger } = (await import(
  pathToFileURL(`${args.root}/dist/src/core/log.js`).href
)) as typeof import('../../src/core/log.js');
const pusher = createPusher(
  {
    url: args.url,
    token: args.token,
    tokenFile: null,
    ca: null,
    cert: null,
    key: null,
    spoolDir: args.spoolDir,
    spoolMaxReports: 1000,
    spoolMaxBytes: 100 * 1024 * 1024,
    timeout: 3000,
    retries: 0,
    retryInitial: 10,
    retryMax: 10,
  },
  silentLogger,
);
const outcome = args.report ? await pusher.submit(args.report as never) : await pusher.flush();
process.stdout.write(`${JSON.stringify(outcome)}\n`);
await pusher.close();
