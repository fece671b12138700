/**
 * Directory sign-in, composed from the config's `auth:` section: an LDAP checker, an OIDC
 * client and the group → role mappings. Each method is null when not configured.
 */
import type { Logger } from '../../core/log.js';
import type { AuthSettings, RoleMapping } from './config.js';
import { LdapSignIn } from './ldap.js';
import { OidcSignIn } from './oidc.js';

export interface Directory {
  readonly ldap: LdapSignIn | null;
  readonly oidc: OidcSignIn | null;
  readonly mappings: readonly RoleMapping[];
}

export function createDirectory(settings: AuthSettings, log: Logger): Directory {
  const authLog = log.child({ component: 'auth' });
  return {
    ldap: settings.ldap ? new LdapSignIn(settings.ldap, authLog) : null,
    oidc: settings.oidc ? new OidcSignIn(settings.oidc, authLog) : null,
    mappings: settings.mappings,
  };
}
