/**
 * A collector in its own process, built from any camsweep tree (argv[2] JSON: {root, db,
 * bodyLimit?}), so the attack suite can measure its memory, kill it with -9, and run the same
 * scenario against an older build. Prints one JSON line: {url, tokens: {a, b}, pid}.
 */
import { pathToFileURL } from 'node:url';

interface Args {
  readonly root: string;
  readonly db: string;
  readonly port?: number;
  readonly fresh?: boolean;
}

const args = JSON.parse(process.argv[2] ?? '{}') as Args;
const load = (path: string) => import(pathToFileURL(`${args.root}/dist/src/${path}`).href);

const { buildCollector } = (await load(
  'collector/server.js',
)) as typeof import('../../src/collector/server.js');
const { openDatabase } = (await load(
  'collector/db/index.js',
)) as typeof import('../../src/collector/db/index.js');
const access = (await load(
  'collector/store/access.js',
)) as typeof import('../../src/collector/store/access.js');
const { silentLogger } = (await load('core/log.js')) as typeof import('../../src/core/log.js');

const db = await openDatabase(args.db);
const tokens = args.fresh
  ? {
      a: (await access.createAgentToken(db, 'site-a', 'attack')).token,
      b: (await access.createAgentToken(db, 'site-b', 'attack')).token,
    }
  : { a: '', b: '' };
if (args.fresh) await access.createUser(db, 'auditor', 'correct horse battery staple');
const app = await buildCollector({ db, log: silentLogger });
await app.listen({ host: '127.0.0.1', port: args.port ?? 0 });
const address = app.server.address();
const port = typeof address === 'object' && address ? address.port : 0;
process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}`, tokens, pid: process.pid })}\n`);
