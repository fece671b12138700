/**
 * `camsweep collector` — run the central collector and dashboard, and manage who may use it:
 *   camsweep collector [serve] [--listen 0.0.0.0:8443] [--db FILE|postgres://…] [--tls-cert F --tls-key F]
 *   camsweep collector token create --site NAME [--label TEXT] | token list | token revoke ID
 *   camsweep collector user create --username NAME   (password on stdin; generated when stdin is empty)
 *   camsweep collector user disable|enable|delete --username NAME | user list
 *   camsweep collector user grant|revoke --username NAME --role ROLE (--site S | --group G | --all-sites)
 *   camsweep collector user roles | group add|remove --group G --site S | group list
 *   camsweep collector audit verify
 *   camsweep collector webhook add --url URL | webhook list | webhook disable ID
 *   camsweep collector api-token create --role ROLE (--site S | --group G | --all) [--label TEXT] | list | revoke ID
 *   camsweep collector events sinks | events log [--limit N] | events retry
 */
import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { loadCollectorConfig } from '../../src/collector/auth/config.js';
import { type Database, openDatabase, type Sql } from '../../src/collector/db/index.js';
import { eventsConfigFromFile } from '../../src/collector/events/config.js';
import { buildCollector } from '../../src/collector/server.js';
import {
  createAgentToken,
  createUser,
  deleteUser,
  listAgentTokens,
  listUsers,
  revokeAgentToken,
  setUserDisabled,
} from '../../src/collector/store/access.js';
import { appendAudit, verifyAudit } from '../../src/collector/store/audit.js';
import {
  addWebhook,
  deliveryLog,
  disableWebhook,
  listSinks,
  listWebhooks,
  retryFailed,
} from '../../src/collector/store/outbox.js';
import {
  addSiteToGroup,
  grantRole,
  listGrants,
  listGroups,
  parseGrant,
  removeSiteFromGroup,
  revokeRole,
} from '../../src/collector/store/roles.js';
import { checkTimeZone } from '../../src/collector/views/display.js';
import { CamsweepError, EXIT } from '../../src/core/errors.js';
import { forTerminal } from '../../src/core/text.js';
import { dashboardAttestation } from './attestation.js';
import { apiTokenCommand } from './collector-api-token.js';
import type { CommandIO } from './io.js';

const HELP = `Usage:
  camsweep collector [serve] [options]        run the collector API and dashboard
  camsweep collector token create --site NAME [--label TEXT]
                                              create an agent token (printed once)
  camsweep collector token list               list tokens (never their secrets)
  camsweep collector token revoke ID          revoke a token
  camsweep collector user create --username NAME
                                              create or reset a dashboard login; the password
                                              is read from stdin, or generated and printed;
                                              a reset ends the user's sessions
  camsweep collector user disable|enable|delete --username NAME
                                              stop (or allow again) a user signing in, or remove
                                              the user; disable and delete end its sessions
  camsweep collector user list                list users and whether they are disabled
  camsweep collector user grant|revoke --username NAME --role ROLE (--site NAME | --group NAME | --all-sites)
                                              give or take a role (viewer, auditor, operator,
                                              approver, admin) over a site, a site group or all
  camsweep collector user roles               list every user's roles and scopes
  camsweep collector group add|remove --group NAME --site NAME
                                              put a site in a site group (or take it out)
  camsweep collector group list               list site groups and their sites
  camsweep collector webhook add --url URL    send every event (see README, "Events") to URL,
                                              signed with HMAC-SHA256; the signing secret is
                                              printed once
  camsweep collector webhook list | webhook disable ID
  camsweep collector api-token create --role ROLE (--site NAME | --group NAME | --all) [--label TEXT]
                                              create a read-API token for an integration
                                              (printed once; only its hash is stored)
  camsweep collector api-token list | api-token revoke ID
  camsweep collector events sinks             every event receiver (webhooks, syslog, digest
                                              e-mail) with its pending/delivered/failed counts
  camsweep collector events log [--limit N]   the newest delivery attempts (default 50)
  camsweep collector events retry             queue again every delivery that ran out of
                                              attempts (after a long receiver outage)
  camsweep collector audit verify             check the audit trail's hash chain; exit 1 when
                                              a row was deleted or edited

Options:
  --db LOCATION        SQLite file, or postgres://user@host/db (env CAMSWEEP_COLLECTOR_DB;
                       default $STATE_DIRECTORY/collector.db or /var/lib/camsweep-collector/collector.db)
  --listen HOST:PORT   address to serve on (default 127.0.0.1:8443)
  --tls-cert FILE      PEM certificate; with --tls-key the collector speaks HTTPS
  --tls-key FILE       PEM private key
  --tls-client-ca FILE ask agents for a client certificate signed by this CA
  --max-body BYTES     largest report accepted (default 33554432)
  --rate N             reports per minute per agent token (default 60)
  --api-rate N         read-API calls per minute per API token (default 120, bursts of 60)
  --secure-cookies     mark cookies Secure behind a TLS-terminating proxy
  --trust-proxy        take the client address from X-Forwarded-For (behind a proxy)
  --time-zone ZONE     IANA time zone the dashboard shows times in, e.g. Europe/Berlin
                       (env CAMSWEEP_TIME_ZONE; default UTC; the ISO time shows on hover)
  --org NAME           organisation named on attestations from the dashboard's Attestation button
  --config FILE        collector config (YAML; env CAMSWEEP_COLLECTOR_CONFIG): its auth:
                       section sets up directory sign-in (OIDC, LDAP) and group → role
                       mappings, its events: section syslog sinks, the SMTP relay and
                       per-site digests (see src/collector/README.md)
`;

const OPTIONS = {
  db: { type: 'string' },
  listen: { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'tls-client-ca': { type: 'string' },
  'max-body': { type: 'string' },
  rate: { type: 'string' },
  'secure-cookies': { type: 'boolean' },
  'trust-proxy': { type: 'boolean' },
  'time-zone': { type: 'string' },
  site: { type: 'string' },
  label: { type: 'string' },
  username: { type: 'string' },
  role: { type: 'string' },
  url: { type: 'string' },
  group: { type: 'string' },
  'all-sites': { type: 'boolean' },
  all: { type: 'boolean' },
  'api-rate': { type: 'string' },
  org: { type: 'string' },
  config: { type: 'string' },
  limit: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function defaultDb(env: NodeJS.ProcessEnv): string {
  if (env.CAMSWEEP_COLLECTOR_DB) return env.CAMSWEEP_COLLECTOR_DB;
  const state = env.STATE_DIRECTORY?.split(':')[0];
  return `${state ?? '/var/lib/camsweep-collector'}/collector.db`;
}

function positiveInt(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < 1)
    throw new CamsweepError('E_USAGE', `--${flag} must be a positive whole number`);
  return Number(text);
}

function parseListen(text: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[2]) : Number.NaN;
  if (!m || port > 65535)
    throw new CamsweepError('E_USAGE', `--listen "${text}" is not HOST:PORT`, {
      fix: 'e.g. --listen 0.0.0.0:8443',
    });
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

async function readStdin(stream: NodeJS.ReadableStream): Promise<string> {
  if ((stream as NodeJS.ReadStream).isTTY) return '';
  let text = '';
  for await (const chunk of stream) {
    text += String(chunk);
    if (text.length > 4096) break;
  }
  return text;
}

async function withDb<T>(location: string, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await openDatabase(location);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** Who ran a management command, for the audit trail. */
function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return `cli:uid-${process.getuid?.() ?? 'unknown'}`;
  }
}

/** Runs a management change and, when it changed something, records it in the audit trail in the same transaction. */
async function auditedChange<T>(
  location: string,
  action: string,
  target: string,
  after: unknown,
  change: (d: Sql) => Promise<T>,
): Promise<T> {
  return withDb(location, (d) =>
    d.tx(async (t) => {
      const result = await change(t);
      if (result !== false) await appendAudit(t, { actor: cliActor(), source: 'cli', action, target, after });
      return result;
    }),
  );
}

export async function run(argv: string[], io: CommandIO): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new CamsweepError('E_USAGE', (err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(HELP);
    return EXIT.ok;
  }
  const db = values.db ?? defaultDb(io.env);
  const [verb = 'serve', action, arg] = positionals;
  const out = (line: string) => io.stdout.write(`${line}\n`);

  if (verb === 'token' && action === 'create') {
    const site = values.site?.trim();
    if (!site || site.length > 128)
      throw new CamsweepError('E_USAGE', 'token create needs --site NAME (at most 128 characters)');
    const created = await auditedChange(
      db,
      'token.create',
      `site ${site}`,
      { label: values.label ?? null },
      (d) => createAgentToken(d, site, values.label ?? null),
    );
    out(created.token);
    io.stderr.write(
      `token ${created.id} for site "${site}" created. It is shown only this once: store it in the agent's push.tokenFile (mode 0600).\n`,
    );
    return EXIT.ok;
  }
  if (verb === 'token' && action === 'list') {
    const rows = await withDb(db, (d) => listAgentTokens(d));
    out(['id', 'site', 'label', 'created', 'last used', 'revoked'].join('\t'));
    for (const r of rows)
      out([r.id, r.site, r.label ?? '', r.createdAt, r.lastUsedAt ?? '', r.revokedAt ?? ''].join('\t'));
    return EXIT.ok;
  }
  if (verb === 'token' && action === 'revoke') {
    if (!arg) throw new CamsweepError('E_USAGE', 'token revoke needs the token id (see `token list`)');
    const done = await auditedChange(db, 'token.revoke', `token ${arg}`, null, (d) =>
      revokeAgentToken(d, arg),
    );
    if (!done)
      throw new CamsweepError('E_USAGE', `no active token with id "${arg}"`, {
        fix: 'run `camsweep collector token list`',
      });
    out(`token ${arg} revoked`);
    return EXIT.ok;
  }
  if (verb === 'user' && action === 'create') {
    const username = values.username?.trim();
    if (!username || !/^[A-Za-z0-9._@-]{1,128}$/.test(username)) {
      throw new CamsweepError('E_USAGE', 'user create needs --username NAME (letters, digits, . _ @ -)');
    }
    let password = (await readStdin(io.stdin)).split(/\r?\n/)[0] ?? '';
    const generated = password === '';
    if (generated) password = randomBytes(18).toString('base64url');
    if (password.length < 12)
      throw new CamsweepError('E_USAGE', 'the password must have at least 12 characters');
    await auditedChange(db, 'user.create-or-reset', username, null, (d) => createUser(d, username, password));
    if (generated) out(password);
    io.stderr.write(
      `dashboard user "${username}" saved${generated ? '; the generated password above is shown once' : ''}. A new user has no role until one is granted: camsweep collector user grant --username ${username} --role viewer --site NAME\n`,
    );
    return EXIT.ok;
  }
  if (verb === 'user' && action === 'list') {
    const rows = await withDb(db, (d) => listUsers(d));
    out(['username', 'created', 'disabled'].join('\t'));
    for (const r of rows) out([r.username, r.createdAt, r.disabledAt ?? ''].join('\t'));
    return EXIT.ok;
  }
  if (verb === 'user' && (action === 'disable' || action === 'enable' || action === 'delete')) {
    const username = values.username?.trim();
    if (!username) throw new CamsweepError('E_USAGE', `user ${action} needs --username NAME`);
    const done = await auditedChange(db, `user.${action}`, username, null, (d) =>
      action === 'delete' ? deleteUser(d, username) : setUserDisabled(d, username, action === 'disable'),
    );
    if (!done)
      throw new CamsweepError('E_USAGE', `no dashboard user "${username}"`, {
        fix: 'run `camsweep collector user list`',
      });
    const past = {
      disable: 'disabled; its sessions ended',
      enable: 'enabled',
      delete: 'deleted; its sessions ended',
    };
    out(`dashboard user "${username}" ${past[action]}`);
    return EXIT.ok;
  }
  if (verb === 'user' && (action === 'grant' || action === 'revoke')) {
    const username = values.username?.trim();
    if (!username) throw new CamsweepError('E_USAGE', `user ${action} needs --username NAME`);
    const grant = parseGrant(values.role, values.site, values.group, values['all-sites']);
    if (typeof grant === 'string')
      throw new CamsweepError('E_USAGE', `user ${action}: ${grant}`, {
        fix: 'see `camsweep collector --help`',
      });
    const done = await auditedChange(db, `role.${action}`, username, grant, (d) =>
      action === 'grant' ? grantRole(d, username, grant) : revokeRole(d, username, grant),
    );
    const where = grant.kind === 'all' ? 'every site' : `${grant.kind} "${grant.name}"`;
    if (!done)
      throw new CamsweepError(
        'E_USAGE',
        action === 'grant'
          ? `no dashboard user "${username}"`
          : `"${username}" does not hold ${grant.role} over ${where}`,
        { fix: 'run `camsweep collector user roles`' },
      );
    out(`${action === 'grant' ? 'granted' : 'revoked'}: "${username}" ${grant.role} over ${where}`);
    return EXIT.ok;
  }
  if (verb === 'user' && action === 'roles') {
    const rows = await withDb(db, (d) => listGrants(d));
    out(['username', 'role', 'scope', 'name'].join('\t'));
    for (const r of rows) out([r.username, r.role, r.kind, r.name].join('\t'));
    return EXIT.ok;
  }
  if (verb === 'group' && (action === 'add' || action === 'remove')) {
    const group = values.group?.trim();
    const site = values.site?.trim();
    if (!group || !site || group.length > 128 || site.length > 128)
      throw new CamsweepError(
        'E_USAGE',
        `group ${action} needs --group NAME and --site NAME (at most 128 characters)`,
      );
    const target = `group ${group}`;
    if (action === 'add')
      await auditedChange(db, 'group.add', target, { site }, (d) => addSiteToGroup(d, group, site));
    else if (
      !(await auditedChange(db, 'group.remove', target, { site }, (d) => removeSiteFromGroup(d, group, site)))
    )
      throw new CamsweepError('E_USAGE', `site "${site}" is not in group "${group}"`, {
        fix: 'run `camsweep collector group list`',
      });
    out(`site "${site}" ${action === 'add' ? 'added to' : 'removed from'} group "${group}"`);
    return EXIT.ok;
  }
  if (verb === 'group' && action === 'list') {
    const rows = await withDb(db, (d) => listGroups(d));
    out(['group', 'site'].join('\t'));
    for (const r of rows) out([r.group, r.site].join('\t'));
    return EXIT.ok;
  }
  if (verb === 'webhook' && action === 'add') {
    const url = values.url?.trim() ?? '';
    if (!/^https?:\/\/[^\s]{1,2000}$/.test(url) || !URL.canParse(url))
      throw new CamsweepError('E_USAGE', 'webhook add needs --url http(s)://HOST/PATH', {
        fix: 'e.g. --url https://siem.example.org/hooks/camsweep',
      });
    const created = await auditedChange(db, 'webhook.add', url, null, (d) => addWebhook(d, url));
    out(created.secret);
    io.stderr.write(
      `webhook ${created.id} added; the signing secret above is shown once: give it to the receiver to check X-Camsweep-Signature.\n`,
    );
    return EXIT.ok;
  }
  if (verb === 'webhook' && action === 'list') {
    const rows = await withDb(db, (d) => listWebhooks(d));
    out(['id', 'url', 'created', 'disabled'].join('\t'));
    for (const r of rows) out([r.id, r.url, r.createdAt, r.disabledAt ?? ''].join('\t'));
    return EXIT.ok;
  }
  if (verb === 'webhook' && action === 'disable') {
    const id = Number(arg);
    if (!arg || !Number.isSafeInteger(id))
      throw new CamsweepError('E_USAGE', 'webhook disable needs the webhook id (see `webhook list`)');
    if (!(await auditedChange(db, 'webhook.disable', `webhook ${id}`, null, (d) => disableWebhook(d, id))))
      throw new CamsweepError('E_USAGE', `no active webhook ${id}`, {
        fix: 'run `camsweep collector webhook list`',
      });
    out(`webhook ${id} disabled`);
    return EXIT.ok;
  }
  if (verb === 'api-token') {
    const args = {
      action,
      id: arg,
      role: values.role,
      site: values.site,
      group: values.group,
      label: values.label,
    };
    return apiTokenCommand(
      { ...args, all: values.all === true || values['all-sites'] === true },
      {
        actor: cliActor(),
        audited: (a, target, after, change) => auditedChange(db, a, target, after, change),
        read: (fn) => withDb(db, fn),
        out,
        err: (text) => io.stderr.write(text),
      },
    );
  }
  if (verb === 'events' && action === 'sinks') {
    const rows = await withDb(db, (d) => listSinks(d));
    out(['sink', 'enabled', 'pending', 'delivered', 'failed'].join('\t'));
    for (const r of rows)
      out([r.sink, r.enabled ? 'yes' : 'no', r.pending, r.delivered, r.failed].join('\t'));
    return EXIT.ok;
  }
  if (verb === 'events' && action === 'log') {
    const rows = await withDb(db, (d) => deliveryLog(d, positiveInt(values.limit, 'limit', 50)));
    out(['at', 'sink', 'event', 'kind', 'site', 'state', 'status', 'error'].join('\t'));
    for (const r of rows)
      out(
        [
          r.at,
          r.sink,
          r.eventId,
          r.kind,
          forTerminal(r.site),
          r.state,
          r.status ?? '',
          forTerminal(r.error ?? ''),
        ].join('\t'),
      );
    return EXIT.ok;
  }
  if (verb === 'events' && action === 'retry') {
    const n = await auditedChange(db, 'events.retry', 'failed deliveries', null, (d) => retryFailed(d));
    out(`${n} failed deliveries queued again`);
    return EXIT.ok;
  }
  if (verb === 'audit' && action === 'verify') {
    const verdict = await withDb(db, (d) => verifyAudit(d));
    if (verdict.ok) {
      out(`audit trail intact: ${verdict.entries} entries, head ${verdict.head}`);
      io.stderr.write(
        'Keep the head hash somewhere else (a ticket, the SIEM): removing the newest entries leaves no gap to find.\n',
      );
      return EXIT.ok;
    }
    out(
      `audit trail BROKEN at entry ${verdict.brokenAt}: ${verdict.reason} (${verdict.entries} entries before it verify)`,
    );
    io.stderr.write(
      'Someone changed the audit_log table outside the collector; restore it from a backup and find out who.\n',
    );
    return EXIT.failure;
  }
  if (verb !== 'serve')
    throw new CamsweepError('E_USAGE', `unknown collector command "${positionals.join(' ')}"`, {
      fix: 'see `camsweep collector --help`',
    });

  const listen = parseListen(values.listen ?? '127.0.0.1:8443');
  if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) {
    throw new CamsweepError('E_USAGE', '--tls-cert and --tls-key go together');
  }
  const timeZone = values['time-zone'] ?? io.env.CAMSWEEP_TIME_ZONE ?? 'UTC';
  try {
    checkTimeZone(timeZone);
  } catch (err) {
    throw new CamsweepError('E_USAGE', (err as Error).message, {
      fix: 'pass --time-zone (or set CAMSWEEP_TIME_ZONE) to a name from the tz database, e.g. America/Chicago',
    });
  }
  const configFile = values.config ?? io.env.CAMSWEEP_COLLECTOR_CONFIG;
  const config = configFile ? loadCollectorConfig(configFile) : null;
  const events = configFile ? eventsConfigFromFile(configFile) : undefined;
  const database = await openDatabase(db);
  const tls = values['tls-cert']
    ? {
        cert: values['tls-cert'],
        key: values['tls-key']!,
        ...(values['tls-client-ca'] ? { clientCa: values['tls-client-ca'] } : {}),
      }
    : undefined;
  const app = await buildCollector({
    db: database,
    log: io.log,
    tls,
    bodyLimit: positiveInt(values['max-body'], 'max-body', 32 * 1024 * 1024),
    ingestPerMinute: positiveInt(values.rate, 'rate', 60),
    apiPerMinute: positiveInt(values['api-rate'], 'api-rate', 120),
    secureCookies: values['secure-cookies'] === true,
    trustProxy: values['trust-proxy'] === true,
    timeZone,
    attestation: (snapshots, format) => dashboardAttestation(snapshots, format, values.org ?? null),
    ...(config ? { auth: config.auth } : {}),
    ...(events ? { events, deliveries: events.delivery } : {}),
  });
  if (!tls && !/^(127\.|::1$|localhost$)/.test(listen.host)) {
    io.log.warn(
      { listen: values.listen },
      'serving plain HTTP on a non-loopback address: agent tokens and logins cross the network unencrypted; use --tls-cert/--tls-key or a TLS proxy',
    );
  }
  try {
    await app.listen({ host: listen.host, port: listen.port });
  } catch (err) {
    await database.close();
    throw new CamsweepError(
      'E_CONFIG',
      `cannot listen on ${listen.host}:${listen.port}: ${(err as Error).message}`,
      {
        fix: 'choose a free port with --listen, or run with permission to bind it',
      },
    );
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : listen.port;
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  out(
    `collector listening on ${tls ? 'https' : 'http'}://${host}:${port} (database ${database.description})`,
  );
  await new Promise<void>((resolve) => {
    if (io.signal.aborted) resolve();
    io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await app.close();
  await database.close();
  return EXIT.ok;
}
