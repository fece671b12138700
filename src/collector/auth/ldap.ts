/**
 * LDAP / Active Directory sign-in: find the user's entry with the service account, read the
 * groups, then bind as the user with the password typed (the directory checks it; the
 * collector never stores it). TLS is required: ldaps://, or ldap:// with StartTLS, and a
 * StartTLS the server refuses ends the attempt (never a fallback to clear text). Only an
 * explicit `insecure: true` allows plain LDAP, and the collector warns about it at start.
 */
import { Client, InvalidCredentialsError, SizeLimitExceededError } from 'ldapts';
import type { Logger } from '../../core/log.js';
import type { LdapSettings } from './config.js';
import { fillFilter } from './ldap-filter.js';

export type LdapOutcome =
  | { readonly ok: true; readonly username: string; readonly dn: string; readonly groups: readonly string[] }
  | {
      readonly ok: false;
      /** bad-credentials: unknown user or wrong password (the page says the same for both). */
      readonly reason: 'bad-credentials' | 'ambiguous' | 'tls' | 'unavailable';
      readonly detail: string;
    };

const MAX_GROUPS = 1000;

function asList(value: unknown): string[] {
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return list.map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v))).slice(0, MAX_GROUPS);
}

function why(err: unknown): string {
  const e = err as { message?: unknown; code?: unknown };
  return `${typeof e?.code === 'string' ? `${e.code}: ` : ''}${String(e?.message ?? err)}`.slice(0, 300);
}

export class LdapSignIn {
  constructor(
    private readonly settings: LdapSettings,
    log: Logger,
  ) {
    if (settings.url.startsWith('ldap:') && !settings.startTls)
      log.warn(
        { url: settings.url },
        'auth.ldap.insecure is set: directory passwords cross the network in clear text; use ldaps:// or startTls: true',
      );
  }

  get label(): string {
    return this.settings.label;
  }

  /** Checks a user name and password against the directory and returns the user's groups. */
  async signIn(username: string, password: string): Promise<LdapOutcome> {
    // An empty password is an "unauthenticated bind" that many servers accept (RFC 4513 §5.1.2).
    if (!username || !password)
      return { ok: false, reason: 'bad-credentials', detail: 'empty user name or password' };
    const s = this.settings;
    const host = new URL(s.url).hostname.replace(/^\[|\]$/g, '');
    const tls = { ...(s.ca ? { ca: s.ca } : {}), minVersion: 'TLSv1.2' as const };
    const client = new Client({
      url: s.url,
      timeout: s.timeoutMs,
      connectTimeout: s.timeoutMs,
      // ldapts opens TLS at connect whenever tlsOptions is given: only for ldaps://.
      ...(s.url.startsWith('ldaps:') ? { tlsOptions: tls } : {}),
      strictDN: false,
    });
    try {
      if (s.startTls) {
        try {
          await client.startTLS({ ...tls, host });
        } catch (err) {
          return { ok: false, reason: 'tls', detail: `StartTLS with ${host} failed: ${why(err)}` };
        }
      }
      if (s.bindDn && s.bindPassword) await client.bind(s.bindDn, s.bindPassword);
      const attributes = s.groupAttribute ? [s.groupAttribute] : ['1.1'];
      const { searchEntries } = await client.search(s.userBase, {
        scope: 'sub',
        filter: fillFilter(s.userFilter, { username }),
        attributes,
        sizeLimit: 2,
      });
      if (searchEntries.length === 0)
        return { ok: false, reason: 'bad-credentials', detail: 'no directory entry matches the user name' };
      if (searchEntries.length > 1)
        return { ok: false, reason: 'ambiguous', detail: 'the user filter matches more than one entry' };
      const entry = searchEntries[0]!;
      const groups = s.groupAttribute ? asList(entry[s.groupAttribute]) : [];
      if (s.groupSearch) {
        const found = await client.search(s.groupSearch.base, {
          scope: 'sub',
          filter: fillFilter(s.groupSearch.filter, { dn: entry.dn, username }),
          attributes: ['1.1'],
          sizeLimit: MAX_GROUPS,
        });
        groups.push(...found.searchEntries.map((g) => g.dn));
      }
      try {
        await client.bind(entry.dn, password);
      } catch (err) {
        if (err instanceof InvalidCredentialsError)
          return { ok: false, reason: 'bad-credentials', detail: 'the directory refused the password' };
        throw err;
      }
      return { ok: true, username, dn: entry.dn, groups };
    } catch (err) {
      if (err instanceof SizeLimitExceededError)
        return { ok: false, reason: 'ambiguous', detail: 'the user filter matches more than one entry' };
      const e = err as NodeJS.ErrnoException;
      const tlsFailure = /certificate|self.signed|SSL|TLS|altnames/i.test(
        String(e?.code ?? '') + String(e?.message ?? ''),
      );
      return {
        ok: false,
        reason: tlsFailure ? 'tls' : 'unavailable',
        detail: `LDAP server ${host}: ${why(err)}`,
      };
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }
}
