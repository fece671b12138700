/**
 * Schema migrations, shared by SQLite and PostgreSQL. Each step is portable SQL with two
 * tokens the runner fills per dialect: {{pk}} (an auto-increment primary key) and {{real}}.
 * Timestamps are ISO-8601 UTC text, which sorts correctly in both. Append steps; never edit
 * one that has shipped.
 */
import type { Database, Dialect, Sql } from './sql.js';

const TOKENS: Record<Dialect, Record<string, string>> = {
  sqlite: { pk: 'INTEGER PRIMARY KEY', real: 'REAL' },
  postgres: { pk: 'BIGSERIAL PRIMARY KEY', real: 'DOUBLE PRECISION' },
};

export const MIGRATIONS: readonly (readonly string[])[] = [
  [
    `CREATE TABLE sites (id {{pk}}, name TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL)`,
    `CREATE TABLE agent_tokens (
       id TEXT PRIMARY KEY, site_id BIGINT NOT NULL REFERENCES sites(id), label TEXT,
       secret_sha256 TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT, last_used_at TEXT)`,
    `CREATE TABLE agents (
       id {{pk}}, site_id BIGINT NOT NULL REFERENCES sites(id), agent_key TEXT NOT NULL,
       version TEXT, token_id TEXT, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,
       UNIQUE (site_id, agent_key))`,
    `CREATE TABLE scans (
       id {{pk}}, report_id TEXT NOT NULL UNIQUE, site_id BIGINT NOT NULL REFERENCES sites(id),
       agent_id BIGINT NOT NULL REFERENCES agents(id), started_at TEXT NOT NULL, finished_at TEXT NOT NULL,
       received_at TEXT NOT NULL, rules_version TEXT NOT NULL, partial INTEGER NOT NULL,
       targets TEXT NOT NULL, probes TEXT NOT NULL, probe_status TEXT,
       hosts INTEGER NOT NULL, devices INTEGER NOT NULL, covered INTEGER NOT NULL, suspect INTEGER NOT NULL,
       not_covered INTEGER NOT NULL, unknown INTEGER NOT NULL)`,
    `CREATE INDEX scans_site_finished ON scans (site_id, finished_at)`,
    // One row per physical device per site. mac, then serial, then ip identify it (src/contract/identity.ts).
    `CREATE TABLE devices (
       id {{pk}}, site_id BIGINT NOT NULL REFERENCES sites(id), mac TEXT, serial TEXT, ip TEXT NOT NULL,
       hostnames TEXT NOT NULL, manufacturer TEXT, brand TEXT, device_type TEXT, model TEXT, firmware TEXT,
       confidence {{real}} NOT NULL, verdict TEXT NOT NULL, verdict_rank INTEGER NOT NULL, rules TEXT NOT NULL,
       findings TEXT NOT NULL, evidence TEXT NOT NULL, rules_version TEXT NOT NULL,
       first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, last_scan_id BIGINT NOT NULL, search TEXT NOT NULL)`,
    `CREATE INDEX devices_site_mac ON devices (site_id, mac)`,
    `CREATE INDEX devices_site_serial ON devices (site_id, serial)`,
    `CREATE INDEX devices_site_ip ON devices (site_id, ip)`,
    // Match the device list's ORDER BY exactly, so a page is read off the index without a sort.
    `CREATE INDEX devices_site_rank ON devices (site_id, verdict_rank, last_seen DESC, id DESC)`,
    `CREATE INDEX devices_rank ON devices (verdict_rank, last_seen DESC, id DESC)`,
    // Observation history: one row per device per scan; evidence only when it changed.
    `CREATE TABLE sightings (
       id {{pk}}, device_id BIGINT NOT NULL REFERENCES devices(id), scan_id BIGINT NOT NULL REFERENCES scans(id),
       seen_at TEXT NOT NULL, ip TEXT NOT NULL, mac TEXT, verdict TEXT NOT NULL, identity TEXT NOT NULL,
       evidence TEXT)`,
    `CREATE INDEX sightings_device ON sightings (device_id, id)`,
    `CREATE TABLE verdict_changes (
       id {{pk}}, device_id BIGINT NOT NULL REFERENCES devices(id), scan_id BIGINT NOT NULL REFERENCES scans(id),
       at TEXT NOT NULL, from_verdict TEXT, to_verdict TEXT NOT NULL)`,
    `CREATE INDEX verdict_changes_device ON verdict_changes (device_id, id)`,
    `CREATE TABLE remediation (
       device_id BIGINT PRIMARY KEY REFERENCES devices(id), state TEXT NOT NULL, approver TEXT, reason TEXT,
       expires_at TEXT, updated_by TEXT NOT NULL, updated_at TEXT NOT NULL)`,
    `CREATE INDEX remediation_state ON remediation (state)`,
    `CREATE TABLE remediation_log (
       id {{pk}}, device_id BIGINT NOT NULL REFERENCES devices(id), state TEXT NOT NULL, approver TEXT,
       reason TEXT, expires_at TEXT, by_user TEXT NOT NULL, at TEXT NOT NULL)`,
    `CREATE INDEX remediation_log_device ON remediation_log (device_id, id)`,
    `CREATE TABLE users (id {{pk}}, username TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL, created_at TEXT NOT NULL)`,
    // Sessions live here, not in memory, so any collector behind a load balancer can serve any request.
    `CREATE TABLE sessions (
       id_sha256 TEXT PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES users(id), csrf TEXT NOT NULL,
       created_at TEXT NOT NULL, expires_at TEXT NOT NULL)`,
    `CREATE TABLE login_attempts (id {{pk}}, username TEXT NOT NULL, ip TEXT NOT NULL, at TEXT NOT NULL, ok INTEGER NOT NULL)`,
    `CREATE INDEX login_attempts_user ON login_attempts (username, at)`,
    `CREATE INDEX login_attempts_ip ON login_attempts (ip, at)`,
  ],
  // Issue 14: report ids are keyed by site and content; users can be disabled; a sign-in
  // attempt is reserved (ok = -1, pending) before the password is checked.
  [`ALTER TABLE scans ADD COLUMN content_sha256 TEXT`, `ALTER TABLE users ADD COLUMN disabled_at TEXT`],
  // 3 (issue 12): each scan's coverage section; where each device is plugged in (switch, port,
  // VLAN) and a short list of what was seen of it, so an unidentified device can be judged.
  [
    `ALTER TABLE scans ADD COLUMN coverage TEXT`,
    `ALTER TABLE devices ADD COLUMN location TEXT`,
    `ALTER TABLE devices ADD COLUMN switch_label TEXT`,
    `ALTER TABLE devices ADD COLUMN vlan INTEGER`,
    `ALTER TABLE devices ADD COLUMN seen TEXT`,
    `CREATE INDEX devices_site_switch ON devices (site_id, switch_label)`,
    `CREATE INDEX devices_site_vlan ON devices (site_id, vlan)`,
  ],
  // Issue 16: roles scoped to sites or site groups (store/roles.ts). A group may name a site
  // that has not reported yet, so members are kept by site name.
  [
    `CREATE TABLE site_groups (id {{pk}}, name TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL)`,
    `CREATE TABLE site_group_members (
       group_id BIGINT NOT NULL REFERENCES site_groups(id), site_name TEXT NOT NULL, PRIMARY KEY (group_id, site_name))`,
    `CREATE TABLE user_roles (
       id {{pk}}, user_id BIGINT NOT NULL REFERENCES users(id), role TEXT NOT NULL, scope_kind TEXT NOT NULL,
       scope_name TEXT NOT NULL, created_at TEXT NOT NULL, UNIQUE (user_id, role, scope_kind, scope_name))`,
    // Users from before roles could do everything; they keep every role on every site.
    ...['viewer', 'auditor', 'operator', 'approver', 'admin'].map(
      (role) =>
        `INSERT INTO user_roles (user_id, role, scope_kind, scope_name, created_at) SELECT id, '${role}', 'all', '', created_at FROM users`,
    ),
  ],
  // Issue 16: the audit trail (store/audit.ts). Ids are assigned by the writer, gapless, so a
  // deleted row shows as a gap as well as a broken link.
  [
    `CREATE TABLE audit_log (
       id BIGINT PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, source TEXT NOT NULL, action TEXT NOT NULL,
       target TEXT NOT NULL, site TEXT, before_json TEXT, after_json TEXT, prev_sha256 TEXT NOT NULL,
       sha256 TEXT NOT NULL)`,
    `CREATE INDEX audit_log_site ON audit_log (site, id)`,
  ],
  // Issue 16: outbound events, queued durably (store/outbox.ts) and delivered to webhooks.
  [
    `CREATE TABLE webhooks (id {{pk}}, url TEXT NOT NULL, secret TEXT NOT NULL, created_at TEXT NOT NULL, disabled_at TEXT)`,
    `CREATE TABLE outbox_events (id {{pk}}, kind TEXT NOT NULL, site TEXT NOT NULL, payload TEXT NOT NULL, created_at TEXT NOT NULL)`,
    `CREATE TABLE webhook_deliveries (
       id {{pk}}, event_id BIGINT NOT NULL REFERENCES outbox_events(id), webhook_id BIGINT NOT NULL REFERENCES webhooks(id),
       state TEXT NOT NULL, attempts INTEGER NOT NULL, next_at TEXT NOT NULL, lease_until TEXT, delivered_at TEXT,
       UNIQUE (event_id, webhook_id))`,
    `CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_at)`,
    `CREATE TABLE webhook_attempts (
       id {{pk}}, delivery_id BIGINT NOT NULL REFERENCES webhook_deliveries(id), at TEXT NOT NULL, status INTEGER, error TEXT)`,
  ],
  // Issue 16, directory sign-in (src/collector/auth/): where a user signs in (local password,
  // LDAP or OIDC), and the OIDC logins in flight (state, nonce and PKCE verifier stay here,
  // keyed by the digest of a short-lived browser cookie, and are used once).
  [
    `ALTER TABLE users ADD COLUMN auth_source TEXT NOT NULL DEFAULT 'local'`,
    `CREATE TABLE oidc_pending (
       flow_sha256 TEXT PRIMARY KEY, state TEXT NOT NULL, nonce TEXT NOT NULL, verifier TEXT NOT NULL,
       expires_at TEXT NOT NULL)`,
  ],
  // Issue 16 (read API): integration tokens, each one role over one scope like a user's grant
  // (store/api-tokens.ts). Kept apart from agent_tokens so neither kind opens the other's routes.
  [
    `CREATE TABLE api_tokens (
       id TEXT PRIMARY KEY, label TEXT, role TEXT NOT NULL, scope_kind TEXT NOT NULL, scope_name TEXT NOT NULL,
       secret_sha256 TEXT NOT NULL, created_by TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT,
       revoked_by TEXT, last_used_at TEXT)`,
  ],
  // Issue 16 (events out): sinks from the config (syslog, per-site digest e-mail) beside the
  // webhooks, one delivery row per event per sink; event_key makes a time-based event (an expiring
  // exemption, a silent agent, a digest) recorded once however many collectors check for it.
  [
    `ALTER TABLE outbox_events ADD COLUMN event_key TEXT`,
    `CREATE UNIQUE INDEX outbox_events_key ON outbox_events (event_key)`,
    `CREATE TABLE event_sinks (
       id {{pk}}, kind TEXT NOT NULL, name TEXT NOT NULL, created_at TEXT NOT NULL, disabled_at TEXT, UNIQUE (kind, name))`,
    `CREATE TABLE sink_deliveries (
       id {{pk}}, event_id BIGINT NOT NULL REFERENCES outbox_events(id), sink_id BIGINT NOT NULL REFERENCES event_sinks(id),
       state TEXT NOT NULL, attempts INTEGER NOT NULL, next_at TEXT NOT NULL, lease_until TEXT, delivered_at TEXT,
       UNIQUE (event_id, sink_id))`,
    `CREATE INDEX sink_deliveries_due ON sink_deliveries (state, next_at)`,
    `CREATE TABLE sink_attempts (
       id {{pk}}, delivery_id BIGINT NOT NULL REFERENCES sink_deliveries(id), at TEXT NOT NULL, status INTEGER, error TEXT)`,
  ],
  // Issue 15 (ingest speed): most devices have no switch location, yet every insert and every
  // rescan (on PostgreSQL an update writes every index) added their NULLs to these two
  // indexes. Partial indexes serve the same filters (`switch_label = ?`, `vlan = ?` imply
  // NOT NULL) and the location choices, at no cost for devices without a location.
  [
    `DROP INDEX devices_site_switch`,
    `DROP INDEX devices_site_vlan`,
    `CREATE INDEX devices_site_switch ON devices (site_id, switch_label) WHERE switch_label IS NOT NULL`,
    `CREATE INDEX devices_site_vlan ON devices (site_id, vlan) WHERE vlan IS NOT NULL`,
  ],
];

function render(statement: string, dialect: Dialect): string {
  return statement.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    const value = TOKENS[dialect][name];
    if (value === undefined) throw new Error(`unknown migration token ${name}`);
    return value;
  });
}

/** Brings the schema up to date; safe when several collectors start at once. */
export async function migrate(db: Database): Promise<number> {
  return db.tx(async (q: Sql) => {
    // Collectors starting together on one PostgreSQL queue here instead of racing.
    if (q.dialect === 'postgres') await q.run('SELECT pg_advisory_xact_lock(7165001)');
    await q.run(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)',
    );
    const row = await q.get<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations');
    const current = row?.v ?? 0;
    for (let v = current; v < MIGRATIONS.length; v++) {
      for (const statement of MIGRATIONS[v]!) await q.run(render(statement, q.dialect));
      await q.run('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)', [
        v + 1,
        new Date().toISOString(),
      ]);
    }
    return MIGRATIONS.length - current;
  });
}
