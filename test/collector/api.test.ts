/**
 * The read API over SQLite (api-suite.ts), and the per-token rate limit, which lives in each
 * collector's memory whatever the database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiWorld, apiGet, startApiWorld } from './api-fixture.js';
import { apiSuite } from './api-suite.js';
import { tempDir } from './harness.js';

const dir = tempDir('csw-api-');
afterAll(() => dir.remove());
let n = 0;
apiSuite('SQLite', async () => `${dir.path}/c${++n}.db`);

describe('read API rate limit', () => {
  let w: ApiWorld;
  beforeAll(async () => {
    w = await startApiWorld(`${dir.path}/rate.db`, { apiPerMinute: 6, apiBurst: 3 });
  });
  afterAll(async () => {
    await w?.close();
  });

  it('answers 429 with Retry-After past the burst, per token', async () => {
    const codes = [];
    for (let i = 0; i < 4; i++)
      codes.push((await apiGet(w.app, '/api/v1/sites', w.tokens.viewer)).statusCode);
    expect(codes).toEqual([200, 200, 200, 429]);
    const limited = await apiGet(w.app, '/api/v1/sites', w.tokens.viewer);
    expect(limited.json()).toMatchObject({ code: 'C_API_RATE' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another token has its own bucket.
    expect((await apiGet(w.app, '/api/v1/sites', w.tokens.auditor)).statusCode).toBe(200);
  });
});
