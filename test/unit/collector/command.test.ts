/** `camsweep collector` management subcommands, run in-process against a temp SQLite file. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../../agent/commands/collector.js';
import type { CommandIO } from '../../../agent/commands/io.js';
import { openDatabase } from '../../../src/collector/db/index.js';
import {
  authenticate,
  createSession,
  findSession,
  verifyAgentToken,
} from '../../../src/collector/store/access.js';
import { loadAuthority } from '../../../src/collector/store/roles.js';
import { parseAgentToken } from '../../../src/collector/store/secrets.js';
import { silentLogger } from '../../../src/core/log.js';

const dir = mkdtempSync(join(tmpdir(), 'camsweep-cmd-'));
const db = join(dir, 'c.db');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (err += c));
  const io: CommandIO = {
    stdin: Readable.from([stdin]),
    stdout,
    stderr,
    isTTY: false,
    log: silentLogger,
    env: {},
    signal: new AbortController().signal,
  };
  const code = await run([...args, '--db', db], io);
  return { code, out, err };
}

describe('camsweep collector management', () => {
  it('creates a token printed once, lists it without the secret, and revokes it', async () => {
    const created = await cli(['token', 'create', '--site', 'city-hall', '--label', 'server room']);
    expect(created.code).toBe(0);
    const token = created.out.trim();
    expect(token).toMatch(/^csw_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(created.err).toContain('shown only this once');
    const { id, secret } = parseAgentToken(token)!;
    const listed = await cli(['token', 'list']);
    expect(listed.out).toContain(`${id}\tcity-hall\tserver room`);
    expect(listed.out).not.toContain(secret);
    const d = await openDatabase(db);
    expect(await verifyAgentToken(d, token)).toMatchObject({ ok: true, site: 'city-hall' });
    expect((await cli(['token', 'revoke', id])).code).toBe(0);
    expect(await verifyAgentToken(d, token)).toEqual({ ok: false, reason: 'revoked' });
    await d.close();
    await expect(cli(['token', 'revoke', id])).rejects.toMatchObject({ code: 'E_USAGE' });
  });

  it('creates a dashboard user from a password on stdin, or generates one', async () => {
    expect((await cli(['user', 'create', '--username', 'auditor'], 'a long enough password\n')).out).toBe('');
    const generated = (await cli(['user', 'create', '--username', 'clerk'])).out.trim();
    expect(generated.length).toBeGreaterThanOrEqual(20);
    const d = await openDatabase(db);
    expect(await authenticate(d, 'auditor', 'a long enough password')).not.toBeNull();
    expect(await authenticate(d, 'clerk', generated)).not.toBeNull();
    await d.close();
    await expect(cli(['user', 'create', '--username', 'x'], 'short\n')).rejects.toMatchObject({
      code: 'E_USAGE',
    });
  });

  it('ends sessions on a password reset, and disables, enables and deletes users', async () => {
    await cli(['user', 'create', '--username', 'guard'], 'first password 123\n');
    const d = await openDatabase(db);
    const id = (await authenticate(d, 'guard', 'first password 123'))!;
    const before = await createSession(d, id);
    expect(await findSession(d, before.cookie)).toMatchObject({ username: 'guard' });
    await cli(['user', 'create', '--username', 'guard'], 'second password 456\n');
    expect(await findSession(d, before.cookie)).toBeNull();

    const live = await createSession(d, id);
    expect((await cli(['user', 'disable', '--username', 'guard'])).out).toContain('disabled');
    expect(await findSession(d, live.cookie)).toBeNull();
    expect(await authenticate(d, 'guard', 'second password 456')).toBeNull();
    expect((await cli(['user', 'list'])).out).toMatch(/guard\t\S+\t\d{4}-/);
    await cli(['user', 'enable', '--username', 'guard']);
    expect(await authenticate(d, 'guard', 'second password 456')).toBe(id);

    await createSession(d, id);
    expect((await cli(['user', 'delete', '--username', 'guard'])).code).toBe(0);
    expect(await authenticate(d, 'guard', 'second password 456')).toBeNull();
    expect((await cli(['user', 'list'])).out).not.toContain('guard');
    await d.close();
    await expect(cli(['user', 'delete', '--username', 'guard'])).rejects.toMatchObject({ code: 'E_USAGE' });
  });

  it('grants and revokes roles over a site, a site group or every site', async () => {
    await cli(['user', 'create', '--username', 'school-it'], 'a long enough password\n');
    expect((await cli(['group', 'add', '--group', 'schools', '--site', 'school-east'])).code).toBe(0);
    const granted = await cli([
      'user',
      'grant',
      '--username',
      'school-it',
      '--role',
      'operator',
      '--group',
      'schools',
    ]);
    expect(granted.out).toContain('"school-it" operator over group "schools"');
    await cli(['user', 'grant', '--username', 'school-it', '--role', 'viewer', '--site', 'library']);
    expect((await cli(['user', 'roles'])).out).toContain('school-it\toperator\tgroup\tschools');
    expect((await cli(['group', 'list'])).out).toContain('schools\tschool-east');
    const d = await openDatabase(db);
    const id = (await d.get<{ id: number }>('SELECT id FROM users WHERE username = ?', ['school-it']))!.id;
    const before = await loadAuthority(d, id);
    expect(before.scope('remediate')).toEqual({ all: false, sites: ['school-east'] });
    expect(before.scope('read')).toEqual({ all: false, sites: ['library', 'school-east'] });
    expect(before.scope('exempt')).toEqual({ all: false, sites: [] });
    await cli(['user', 'revoke', '--username', 'school-it', '--role', 'operator', '--group', 'schools']);
    await cli(['user', 'grant', '--username', 'school-it', '--role', 'auditor', '--all-sites']);
    const after = await loadAuthority(d, id);
    expect(after.scope('remediate')).toEqual({ all: false, sites: [] });
    expect(after.scope('export')).toEqual({ all: true });
    await d.close();
    await expect(
      cli(['user', 'grant', '--username', 'school-it', '--role', 'superuser', '--all-sites']),
    ).rejects.toMatchObject({ code: 'E_USAGE' });
    await expect(
      cli(['user', 'grant', '--username', 'school-it', '--role', 'viewer', '--site', 'a', '--all-sites']),
    ).rejects.toMatchObject({ code: 'E_USAGE' });
    await expect(
      cli(['user', 'grant', '--username', 'nobody', '--role', 'viewer', '--all-sites']),
    ).rejects.toMatchObject({ code: 'E_USAGE' });
    await expect(
      cli(['user', 'revoke', '--username', 'school-it', '--role', 'approver', '--all-sites']),
    ).rejects.toMatchObject({ code: 'E_USAGE' });
  });

  it('records management commands in the audit trail and detects a deleted or an edited row', async () => {
    await cli(['token', 'create', '--site', 'library']);
    await cli(['user', 'create', '--username', 'audited'], 'a long enough password\n');
    await cli(['user', 'grant', '--username', 'audited', '--role', 'viewer', '--site', 'library']);
    await cli(['user', 'disable', '--username', 'audited']);
    const d = await openDatabase(db);
    const rows = await d.all<{
      id: number;
      actor: string;
      source: string;
      action: string;
      target: string;
      after_json: string;
    }>('SELECT id, actor, source, action, target, after_json FROM audit_log ORDER BY id');
    const mine = rows.filter((r) => r.target === 'audited');
    expect(mine.map((r) => r.action)).toEqual(['user.create-or-reset', 'role.grant', 'user.disable']);
    expect(mine[1]!.actor).toMatch(/^cli:/);
    expect(mine[1]!.source).toBe('cli');
    expect(JSON.parse(mine[1]!.after_json)).toEqual({ role: 'viewer', kind: 'site', name: 'library' });
    expect(rows.some((r) => r.action === 'token.create' && r.target === 'site library')).toBe(true);
    // A refused change records nothing.
    const before = rows.length;
    await expect(cli(['user', 'disable', '--username', 'nobody-here'])).rejects.toMatchObject({
      code: 'E_USAGE',
    });
    expect((await d.get<{ n: number }>('SELECT COUNT(*) AS n FROM audit_log'))!.n).toBe(before);

    const intact = await cli(['audit', 'verify']);
    expect(intact.code).toBe(0);
    expect(intact.out).toMatch(new RegExp(`audit trail intact: ${before} entries, head [0-9a-f]{64}`));

    // Edit a row's content: its hash no longer matches.
    const edited = mine[1]!;
    await d.run('UPDATE audit_log SET after_json = ? WHERE id = ?', [
      JSON.stringify({ role: 'admin', kind: 'all', name: '' }),
      edited.id,
    ]);
    const afterEdit = await cli(['audit', 'verify']);
    expect(afterEdit.code).toBe(1);
    expect(afterEdit.out).toContain(
      `BROKEN at entry ${edited.id}: its content does not match its hash (edited)`,
    );
    await d.run('UPDATE audit_log SET after_json = ? WHERE id = ?', [edited.after_json, edited.id]);
    expect((await cli(['audit', 'verify'])).code).toBe(0);

    // Delete a row: the next one's link breaks (and its id leaves a gap).
    await d.run('DELETE FROM audit_log WHERE id = ?', [edited.id]);
    const afterDelete = await cli(['audit', 'verify']);
    expect(afterDelete.code).toBe(1);
    expect(afterDelete.out).toContain(`BROKEN at entry ${edited.id + 1}`);
    // Renumbering to hide the gap still breaks the chain.
    await d.run('UPDATE audit_log SET id = id - 1 WHERE id > ?', [edited.id]);
    const renumbered = await cli(['audit', 'verify']);
    expect(renumbered.code).toBe(1);
    expect(renumbered.out).toContain(`BROKEN at entry ${edited.id}`);
    await d.close();
  });

  it('refuses unknown subcommands and bad flags as usage errors', async () => {
    await expect(cli(['frobnicate'])).rejects.toMatchObject({ code: 'E_USAGE' });
    await expect(cli(['serve', '--listen', 'nonsense'])).rejects.toMatchObject({ code: 'E_USAGE' });
    await expect(cli(['token', 'create'])).rejects.toMatchObject({ code: 'E_USAGE' });
  });
});
