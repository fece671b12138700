/**
 * Who may talk to the collector: agent tokens (per site), dashboard users, their sessions and
 * the login-attempt record used for throttling. All of it is in the database, so collectors
 * behind a load balancer share it and none keeps state of its own.
 */

import type { Sql } from '../db/sql.js';
import {
  checkPassword,
  hashPassword,
  newAgentToken,
  parseAgentToken,
  randomSecret,
  sameText,
  sha256,
} from './secrets.js';

const SESSION_HOURS = 12;

export interface TokenRow {
  readonly id: string;
  readonly site: string;
  readonly label: string | null;
  readonly createdAt: string;
  readonly revokedAt: string | null;
  readonly lastUsedAt: string | null;
}

async function siteId(q: Sql, name: string, now: string): Promise<number> {
  await q.run('INSERT INTO sites (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING', [
    name,
    now,
  ]);
  return (await q.get<{ id: number }>('SELECT id FROM sites WHERE name = ?', [name]))!.id;
}

/** Creates a token for a site; the returned text is shown once and never stored. */
export async function createAgentToken(
  q: Sql,
  site: string,
  label: string | null,
): Promise<{ id: string; token: string }> {
  const now = new Date().toISOString();
  const token = newAgentToken();
  const sid = await siteId(q, site, now);
  await q.run(
    'INSERT INTO agent_tokens (id, site_id, label, secret_sha256, created_at) VALUES (?, ?, ?, ?, ?)',
    [token.id, sid, label, sha256(token.secret), now],
  );
  return { id: token.id, token: token.text };
}

export async function listAgentTokens(q: Sql): Promise<TokenRow[]> {
  return q.all<TokenRow>(
    `SELECT t.id, s.name AS site, t.label, t.created_at AS "createdAt", t.revoked_at AS "revokedAt",
       t.last_used_at AS "lastUsedAt"
     FROM agent_tokens t JOIN sites s ON s.id = t.site_id ORDER BY s.name, t.created_at`,
  );
}

export async function revokeAgentToken(q: Sql, id: string): Promise<boolean> {
  const changed = await q.run('UPDATE agent_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [
    new Date().toISOString(),
    id,
  ]);
  return changed > 0;
}

export type TokenCheck =
  | { readonly ok: true; readonly tokenId: string; readonly site: string }
  | { readonly ok: false; readonly reason: 'malformed' | 'unknown' | 'revoked' };

export async function verifyAgentToken(q: Sql, text: string): Promise<TokenCheck> {
  const parsed = parseAgentToken(text);
  if (!parsed) return { ok: false, reason: 'malformed' };
  const row = await q.get<{ secret_sha256: string; revoked_at: string | null; site: string }>(
    `SELECT t.secret_sha256, t.revoked_at, s.name AS site FROM agent_tokens t JOIN sites s ON s.id = t.site_id
     WHERE t.id = ?`,
    [parsed.id],
  );
  // Compare even when the id is unknown, so timing does not reveal which ids exist.
  const matches = sameText(sha256(parsed.secret), row?.secret_sha256 ?? sha256('no such token'));
  if (!row || !matches) return { ok: false, reason: 'unknown' };
  if (row.revoked_at) return { ok: false, reason: 'revoked' };
  await q.run('UPDATE agent_tokens SET last_used_at = ? WHERE id = ?', [new Date().toISOString(), parsed.id]);
  return { ok: true, tokenId: parsed.id, site: row.site };
}

/**
 * Creates a user, or sets a new password for an existing one. A new password ends every
 * session the user had, so a reset after a suspected compromise locks the intruder out.
 */
export async function createUser(q: Sql, username: string, password: string): Promise<void> {
  const hash = await hashPassword(password);
  const now = new Date().toISOString();
  await q.tx(async (t) => {
    await t.run(
      `INSERT INTO users (username, password_hash, created_at) VALUES (?, ?, ?)
       ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash`,
      [username, hash, now],
    );
    await t.run('DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE username = ?)', [
      username,
    ]);
  });
}

/** Disables (or re-enables) a user; disabling ends the user's sessions. False when no such user. */
export async function setUserDisabled(q: Sql, username: string, disabled: boolean): Promise<boolean> {
  return q.tx(async (t) => {
    const changed = await t.run('UPDATE users SET disabled_at = ? WHERE username = ?', [
      disabled ? new Date().toISOString() : null,
      username,
    ]);
    if (disabled)
      await t.run('DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE username = ?)', [
        username,
      ]);
    return changed > 0;
  });
}

/** Deletes a user and their sessions; remediation history keeps the name it recorded. */
export async function deleteUser(q: Sql, username: string): Promise<boolean> {
  return q.tx(async (t) => {
    await t.run('DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE username = ?)', [
      username,
    ]);
    await t.run('DELETE FROM user_roles WHERE user_id IN (SELECT id FROM users WHERE username = ?)', [
      username,
    ]);
    return (await t.run('DELETE FROM users WHERE username = ?', [username])) > 0;
  });
}

export interface UserRow {
  readonly username: string;
  readonly createdAt: string;
  readonly disabledAt: string | null;
}

export async function listUsers(q: Sql): Promise<UserRow[]> {
  return q.all<UserRow>(
    'SELECT username, created_at AS "createdAt", disabled_at AS "disabledAt" FROM users ORDER BY username',
  );
}

/** The user's id when the password matches and the user is not disabled. */
export async function authenticate(q: Sql, username: string, password: string): Promise<number | null> {
  const row = await q.get<{ id: number; password_hash: string; disabled_at: string | null }>(
    'SELECT id, password_hash, disabled_at FROM users WHERE username = ?',
    [username],
  );
  // The hash is checked even for a disabled or unknown user, so timing reveals neither.
  const matches = await checkPassword(password, row?.password_hash);
  return matches && row && row.disabled_at === null ? row.id : null;
}

export interface Session {
  readonly userId: number;
  readonly username: string;
  readonly csrf: string;
}

export async function createSession(
  q: Sql,
  userId: number,
): Promise<{ cookie: string; csrf: string; maxAgeS: number }> {
  const cookie = randomSecret(32);
  const csrf = randomSecret(24);
  const now = new Date();
  const expires = new Date(now.getTime() + SESSION_HOURS * 3_600_000);
  await q.run(
    'INSERT INTO sessions (id_sha256, user_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
    [sha256(cookie), userId, csrf, now.toISOString(), expires.toISOString()],
  );
  // Expired sessions go when someone logs in: no background job needed on any collector.
  await q.run('DELETE FROM sessions WHERE expires_at < ?', [now.toISOString()]);
  return { cookie, csrf, maxAgeS: SESSION_HOURS * 3600 };
}

export async function findSession(q: Sql, cookie: string): Promise<Session | null> {
  const row = await q.get<Session>(
    `SELECT s.user_id AS "userId", u.username, s.csrf FROM sessions s JOIN users u ON u.id = s.user_id
     WHERE s.id_sha256 = ? AND s.expires_at > ? AND u.disabled_at IS NULL`,
    [sha256(cookie), new Date().toISOString()],
  );
  return row ?? null;
}

export async function deleteSession(q: Sql, cookie: string): Promise<void> {
  await q.run('DELETE FROM sessions WHERE id_sha256 = ?', [sha256(cookie)]);
}

export const LOGIN_WINDOW_MS = 15 * 60_000;
export const LOGIN_MAX_FAILURES_PER_USER = 5;
export const LOGIN_MAX_FAILURES_PER_IP = 20;

/** Outcome of an attempt: pending while the password is being checked. */
const PENDING = -1;

export type LoginReservation =
  | { readonly ok: true; readonly attemptId: number }
  | { readonly ok: false; readonly failures: { readonly user: number; readonly ip: number } };

/**
 * Reserves one sign-in attempt before the password is hashed. The count and the insert happen
 * in one transaction under a lock every collector on the database shares (SQLite: BEGIN
 * IMMEDIATE; PostgreSQL: an advisory transaction lock), and a pending attempt counts as a
 * failure until settled. So 60 concurrent guesses against one user get 5 evaluations, on one
 * collector or ten.
 */
export async function reserveLoginAttempt(q: Sql, username: string, ip: string): Promise<LoginReservation> {
  const now = new Date();
  const since = new Date(now.getTime() - LOGIN_WINDOW_MS).toISOString();
  const name = username.slice(0, 128);
  return q.tx(async (t) => {
    if (t.dialect === 'postgres') await t.run('SELECT pg_advisory_xact_lock(7165002)');
    const user = await t.get<{ n: number }>(
      'SELECT COUNT(*) AS n FROM login_attempts WHERE username = ? AND at > ? AND ok <> 1',
      [name, since],
    );
    const addr = await t.get<{ n: number }>(
      'SELECT COUNT(*) AS n FROM login_attempts WHERE ip = ? AND at > ? AND ok <> 1',
      [ip, since],
    );
    const failures = { user: Number(user?.n ?? 0), ip: Number(addr?.n ?? 0) };
    if (failures.user >= LOGIN_MAX_FAILURES_PER_USER || failures.ip >= LOGIN_MAX_FAILURES_PER_IP)
      return { ok: false, failures };
    const row = await t.get<{ id: number }>(
      'INSERT INTO login_attempts (username, ip, at, ok) VALUES (?, ?, ?, ?) RETURNING id',
      [name, ip, now.toISOString(), PENDING],
    );
    await t.run('DELETE FROM login_attempts WHERE at < ?', [
      new Date(now.getTime() - 24 * 3_600_000).toISOString(),
    ]);
    return { ok: true, attemptId: row!.id };
  });
}

/** Records how a reserved attempt ended; a failure keeps counting against user and address. */
export async function settleLoginAttempt(q: Sql, attemptId: number, ok: boolean): Promise<void> {
  await q.run('UPDATE login_attempts SET ok = ? WHERE id = ?', [ok ? 1 : 0, attemptId]);
}
