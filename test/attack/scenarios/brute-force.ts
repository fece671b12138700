/**
 * Item 2: the sign-in throttle under concurrency, on one collector and across two collector
 * processes sharing one database. 60 simultaneous attempts against one user, the right
 * password among them; at most 5 (the per-user limit) may be evaluated.
 */
import { join } from 'node:path';
import { ADMIN, Client, type Context, type Outcome, type Scenario, startChildCollector } from '../lib.js';

const ATTEMPTS = 60;
const PER_USER = 5;

async function burst(bases: readonly string[]): Promise<number[]> {
  // Every client fetches its form first, so the posts themselves go out together.
  const clients = await Promise.all(
    Array.from({ length: ATTEMPTS }, async (_, i) => {
      const client = new Client(bases[i % bases.length]!);
      return { client, csrf: await client.loginForm(), right: i === ATTEMPTS - 1 };
    }),
  );
  return Promise.all(
    clients.map(async ({ client, csrf, right }) => {
      const res = await client.postForm('/login', {
        username: ADMIN.username,
        password: right ? ADMIN.password : `wrong-${Math.random()}`,
        _csrf: csrf,
      });
      await res.arrayBuffer();
      return res.status;
    }),
  );
}

export const bruteForce: Scenario = {
  name: 'concurrent brute force',
  item: '2',
  async run(ctx: Context): Promise<Outcome> {
    const lines: string[] = [];
    let held = true;
    // One collector.
    const one = await startChildCollector(ctx, join(ctx.work, 'brute-1.db'));
    try {
      const codes = await burst([one.url]);
      const evaluated = codes.filter((c) => c !== 429).length;
      held &&= evaluated <= PER_USER;
      lines.push(
        `one collector: ${evaluated} of ${ATTEMPTS} evaluated, ${codes.filter((c) => c === 303).length} signed in`,
      );
    } finally {
      await one.stop();
    }
    // Two collectors, one database.
    const db = join(ctx.work, 'brute-2.db');
    const a = await startChildCollector(ctx, db);
    const b = await startChildCollector(ctx, db, { fresh: false });
    try {
      const codes = await burst([a.url, b.url]);
      const evaluated = codes.filter((c) => c !== 429).length;
      held &&= evaluated <= PER_USER;
      lines.push(`two collectors, shared SQLite: ${evaluated} of ${ATTEMPTS} evaluated`);
    } finally {
      await a.stop();
      await b.stop();
    }
    return { tries: ATTEMPTS * 2, held, detail: lines.join('; ') };
  },
};
