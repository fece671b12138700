/**
 * `camsweep collector api-token create|list|revoke`, run in-process against a temp database:
 * the secret is printed once and only its digest kept, the token reads within its grant,
 * list never shows a secret, revoke closes it, and each step is in the audit trail.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../agent/commands/collector.js';
import { openDatabase } from '../../src/collector/db/index.js';
import { verifyApiToken } from '../../src/collector/store/api-tokens.js';
import { sha256 } from '../../src/collector/store/secrets.js';
import { fakeIO } from '../unit/identify/helpers.js';
import { tempDir } from './harness.js';

const dir = tempDir('csw-api-cli-');
const db = `${dir.path}/c.db`;
afterAll(() => dir.remove());

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const f = fakeIO();
  const code = await run([...args, '--db', db], f.io);
  return { code, out: f.stdout(), err: f.stderr() };
}

describe('camsweep collector api-token', () => {
  it('creates a token printed once with its grant, lists it without the secret, and revokes it', async () => {
    const created = await cli([
      'api-token',
      'create',
      '--role',
      'viewer',
      '--group',
      'schools',
      '--label',
      'jira',
    ]);
    expect(created.code).toBe(0);
    const token = created.out.trim();
    expect(token).toMatch(/^cswapi_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(created.err).toContain('shown only this once');
    const [, id, ...rest] = token.split('_');
    const secret = rest.join('_');

    const d = await openDatabase(db);
    expect(await verifyApiToken(d, token)).toEqual({
      ok: true,
      tokenId: id,
      grant: { role: 'viewer', kind: 'group', name: 'schools' },
    });
    const stored = await d.get<{ secret_sha256: string }>(
      'SELECT secret_sha256 FROM api_tokens WHERE id = ?',
      [id],
    );
    expect(stored?.secret_sha256).toBe(sha256(secret));

    const listed = await cli(['api-token', 'list']);
    expect(listed.out).toContain(`${id}\tviewer\tgroup\tschools\tjira\tcli:`);
    expect(listed.out).not.toContain(secret);

    expect((await cli(['api-token', 'revoke', id!])).out).toContain(`API token ${id} revoked`);
    expect(await verifyApiToken(d, token)).toEqual({ ok: false, reason: 'revoked' });
    await expect(cli(['api-token', 'revoke', id!])).rejects.toMatchObject({ code: 'E_USAGE' });

    const actions = await d.all<{ action: string; after: string }>(
      "SELECT action, after_json AS after FROM audit_log WHERE action LIKE 'api-token.%' ORDER BY id",
    );
    expect(actions.map((a) => a.action)).toEqual(['api-token.create', 'api-token.revoke']);
    expect(JSON.stringify(actions)).not.toContain(secret);
    await d.close();
  });

  it('takes --all (or --all-sites) for every site, and refuses a role or scope it cannot parse', async () => {
    for (const flag of ['--all', '--all-sites']) {
      const created = await cli(['api-token', 'create', '--role', 'auditor', flag]);
      expect(created.err).toContain('auditor over every site');
    }
    await expect(cli(['api-token', 'create', '--role', 'root', '--all'])).rejects.toMatchObject({
      code: 'E_USAGE',
    });
    await expect(cli(['api-token', 'create', '--role', 'viewer'])).rejects.toThrow(
      /--site NAME, --group NAME or --all/,
    );
    await expect(
      cli(['api-token', 'create', '--role', 'viewer', '--site', 'a', '--all']),
    ).rejects.toMatchObject({
      code: 'E_USAGE',
    });
  });
});
