/**
 * `camsweep collector api-token create|list|revoke`: tokens for the read API (integrations such
 * as ServiceNow, Jira or GLPI). Each holds one role over one scope, like a user's grant; the
 * secret is printed once and only its SHA-256 digest is kept (src/collector/store/api-tokens.ts).
 */
import type { Sql } from '../../src/collector/db/index.js';
import { createApiToken, listApiTokens, revokeApiToken } from '../../src/collector/store/api-tokens.js';
import { parseGrant } from '../../src/collector/store/roles.js';
import { CamsweepError, EXIT } from '../../src/core/errors.js';

export interface ApiTokenArgs {
  readonly action: string | undefined;
  readonly id: string | undefined;
  readonly role: string | undefined;
  readonly site: string | undefined;
  readonly group: string | undefined;
  /** `--all` (or `--all-sites`, as `user grant` spells it). */
  readonly all: boolean;
  readonly label: string | undefined;
}

export interface ManagementContext {
  readonly actor: string;
  /** Runs a change and records it in the audit trail in the same transaction. */
  audited<T>(action: string, target: string, after: unknown, change: (q: Sql) => Promise<T>): Promise<T>;
  read<T>(fn: (q: Sql) => Promise<T>): Promise<T>;
  out(line: string): void;
  err(text: string): void;
}

export async function apiTokenCommand(args: ApiTokenArgs, ctx: ManagementContext): Promise<number> {
  if (args.action === 'create') {
    const grant = parseGrant(args.role, args.site, args.group, args.all || undefined);
    if (typeof grant === 'string')
      throw new CamsweepError('E_USAGE', `api-token create: ${grant.replace('--all-sites', '--all')}`, {
        fix: 'e.g. camsweep collector api-token create --role viewer --site city-hall --label servicenow',
      });
    const label = args.label?.trim().slice(0, 128) || null;
    const scope = grant.kind === 'all' ? 'every site' : `${grant.kind} "${grant.name}"`;
    const created = await ctx.audited(
      'api-token.create',
      `${grant.role} over ${scope}`,
      { ...grant, label },
      (q) => createApiToken(q, grant, label, ctx.actor),
    );
    ctx.out(created.token);
    ctx.err(
      `API token ${created.id} (${grant.role} over ${scope}) created. It is shown only this once: store it in the integration's secret store and send it as "Authorization: Bearer <token>".\n`,
    );
    return EXIT.ok;
  }
  if (args.action === 'list') {
    const rows = await ctx.read((q) => listApiTokens(q));
    ctx.out(
      ['id', 'role', 'scope', 'name', 'label', 'created by', 'created', 'last used', 'revoked'].join('\t'),
    );
    for (const r of rows)
      ctx.out(
        [
          r.id,
          r.role,
          r.kind,
          r.name,
          r.label ?? '',
          r.createdBy,
          r.createdAt,
          r.lastUsedAt ?? '',
          r.revokedAt ?? '',
        ].join('\t'),
      );
    return EXIT.ok;
  }
  if (args.action === 'revoke') {
    const id = args.id;
    if (!id) throw new CamsweepError('E_USAGE', 'api-token revoke needs the token id (see `api-token list`)');
    const done = await ctx.audited('api-token.revoke', `api-token ${id}`, { revokedBy: ctx.actor }, (q) =>
      revokeApiToken(q, id, ctx.actor),
    );
    if (!done)
      throw new CamsweepError('E_USAGE', `no active API token with id "${id}"`, {
        fix: 'run `camsweep collector api-token list`',
      });
    ctx.out(`API token ${id} revoked`);
    return EXIT.ok;
  }
  throw new CamsweepError('E_USAGE', `unknown api-token command "${args.action ?? ''}"`, {
    fix: 'use api-token create, list or revoke',
  });
}
