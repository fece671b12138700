/**
 * Dashboard and API scenarios against a collector process: hostile query strings (item 6),
 * report-id reuse across sites and content (item 7), sessions after a password reset and a
 * disabled user (item 4), and exemption dates (item 9).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  ADMIN,
  Client,
  type Context,
  device,
  type Outcome,
  postReport,
  report,
  type Scenario,
  startChildCollector,
} from '../lib.js';

const QUERIES = [
  'q=a&q=b',
  'site=a&site=b',
  'verdict=covered&verdict=suspect',
  'state=open&state=removed',
  'page=1&page=2',
  'q[]=x',
  'q[a]=x',
  'site[]=a&site[]=b',
  '__proto__[x]=1',
  'constructor[prototype][x]=1',
  `q=${'A'.repeat(5000)}`,
  'q=%00%E2%80%AE',
  'q=%ZZ',
  'page=-1',
  'page=1e309',
  'page=NaN',
  'verdict=%3Cscript%3E',
  `${'&'.repeat(2000)}q=x`,
  `q=${encodeURIComponent("' OR 1=1 --")}`,
  'q=%25%5F%5C',
];
const PAGES = ['/devices', '/export/devices.csv', '/export/devices.json'];

async function complete(res: Response, path: string): Promise<string | null> {
  let text: string;
  try {
    text = await res.text();
  } catch (err) {
    return `body cut off (${(err as Error).message})`;
  }
  if (res.status >= 500) return `HTTP ${res.status}`;
  if (res.status !== 200) return null;
  if (path.endsWith('.json')) {
    try {
      JSON.parse(text);
    } catch {
      return 'JSON export is not a complete document';
    }
  }
  if (path.endsWith('.csv') && !text.endsWith('\r\n')) return 'CSV export does not end with a full line';
  return null;
}

export const hostileQueries: Scenario = {
  name: 'hostile query strings',
  item: '6',
  async run(ctx: Context): Promise<Outcome> {
    const c = await startChildCollector(ctx, join(ctx.work, 'query.db'));
    try {
      await postReport(c.url, c.tokens.a, report('site-a', [device('10.20.0.5', { model: 'cam' })]));
      const client = new Client(c.url);
      await client.login(ADMIN.username, ADMIN.password);
      const broke: string[] = [];
      let tries = 0;
      for (const page of PAGES) {
        for (const q of QUERIES) {
          tries++;
          const path = `${page}?${q}`;
          let problem: string | null;
          try {
            problem = await complete(await client.request(path), page);
          } catch (err) {
            problem = `connection failed (${(err as Error).message})`;
          }
          if (problem) broke.push(`${page}?${q.slice(0, 40)}: ${problem}`);
        }
      }
      return {
        tries,
        held: broke.length === 0,
        detail: broke.length === 0 ? 'every answer a complete 200 or a 4xx' : broke.slice(0, 6).join('; '),
      };
    } finally {
      await c.stop();
    }
  },
};

export const duplicates: Scenario = {
  name: 'report-id reuse across sites and content',
  item: '7',
  async run(ctx: Context): Promise<Outcome> {
    const c = await startChildCollector(ctx, join(ctx.work, 'dup.db'));
    try {
      const first = report('site-a', [device('10.20.0.5', { model: 'original' })]);
      const stored = await postReport(c.url, c.tokens.a, first);
      const resend = await postReport(c.url, c.tokens.a, first);
      const otherSite = await postReport(c.url, c.tokens.b, {
        ...first,
        agent: { ...(first.agent as object), site: 'site-b' },
      });
      const otherContent = await postReport(
        c.url,
        c.tokens.a,
        report('site-a', [device('10.20.0.6', { model: 'forged' })], String(first.reportId)),
      );
      const results = [stored, resend, otherSite, otherContent].map(
        (r) => `${r.status} ${String(r.json.status ?? r.json.code ?? '')}`,
      );
      const held =
        stored.status === 201 &&
        resend.json.status === 'duplicate' &&
        otherSite.status === 409 &&
        otherContent.status === 409;
      return {
        tries: 4,
        held,
        detail: `stored / resend / same id from site B / same id other content: ${results.join(' · ')}`,
      };
    } finally {
      await c.stop();
    }
  },
};

function cli(ctx: Context, args: string[], stdin = ''): number {
  const r = spawnSync(process.execPath, [join(ctx.root, 'dist/agent/cli.js'), 'collector', ...args], {
    input: stdin,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return r.status ?? 1;
}

export const sessions: Scenario = {
  name: 'sessions after password reset; disabled users',
  item: '4',
  async run(ctx: Context): Promise<Outcome> {
    const db = join(ctx.work, 'sessions.db');
    const c = await startChildCollector(ctx, db);
    try {
      const victim = new Client(c.url);
      await victim.login(ADMIN.username, ADMIN.password);
      const before = (await victim.request('/devices')).status;
      cli(ctx, ['user', 'create', '--username', ADMIN.username, '--db', db], 'a brand new password 42\n');
      const afterReset = (await victim.request('/devices')).status;
      const again = new Client(c.url);
      await again.login(ADMIN.username, 'a brand new password 42');
      const disabled = cli(ctx, ['user', 'disable', '--username', ADMIN.username, '--db', db]);
      const afterDisable = (await again.request('/devices')).status;
      const relogin = await new Client(c.url).login(ADMIN.username, 'a brand new password 42');
      const held =
        before === 200 && afterReset === 303 && disabled === 0 && afterDisable === 303 && relogin !== 303;
      return {
        tries: 4,
        held,
        detail: `old session after reset: ${afterReset === 303 ? 'ended' : `still works (${afterReset})`}; user disable: ${disabled === 0 ? 'done' : 'no such command'}; after disable: session ${afterDisable === 303 ? 'ended' : 'alive'}, sign-in ${relogin === 303 ? 'allowed' : 'refused'}`,
      };
    } finally {
      await c.stop();
    }
  },
};

export const exemptionDates: Scenario = {
  name: 'exemption expiry dates',
  item: '9',
  async run(ctx: Context): Promise<Outcome> {
    const c = await startChildCollector(ctx, join(ctx.work, 'exempt.db'));
    try {
      await postReport(c.url, c.tokens.a, report('site-a', [device('10.20.0.5', { model: 'cam' })]));
      const client = new Client(c.url);
      await client.login(ADMIN.username, ADMIN.password);
      const csrf = await client.sessionCsrf();
      const bad = ['2024-02-31', '9999-12-31', '2025-13-01', '2025-00-10', '+02025-01-01'];
      const accepted: string[] = [];
      for (const expires of bad) {
        const res = await client.postForm('/devices/1/remediation', {
          state: 'exempted',
          approver: 'CIO',
          reason: 'test',
          expires,
          _csrf: csrf,
        });
        await res.arrayBuffer();
        if (res.status === 303) accepted.push(expires);
      }
      const good = await client.postForm('/devices/1/remediation', {
        state: 'exempted',
        approver: 'CIO',
        reason: 'test',
        expires: new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10),
        _csrf: csrf,
      });
      const held = accepted.length === 0 && good.status === 303;
      return {
        tries: bad.length + 1,
        held,
        detail: accepted.length
          ? `accepted: ${accepted.join(', ')}`
          : `all ${bad.length} bad dates refused, a date in 90 days accepted (${good.status})`,
      };
    } finally {
      await c.stop();
    }
  },
};
