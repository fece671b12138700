/**
 * Collector config files for the directory tests: the auth section for the test OIDC provider,
 * with group ids shaped like Entra ID's object ids, and the users the provider knows.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLIENT_ID, CLIENT_SECRET } from './oidc-provider.js';

// Entra ID sends group object ids in the groups claim; the mapping names them.
export const CITY_HALL_VIEWERS = '7d1f3a52-0c4e-4b8e-9a51-2f6c1d0e9b11';
export const AUDITORS = 'b2c4e6a8-1111-4a2b-8c3d-5e6f7a8b9c0d';

export function oidcYaml(issuer: string, redirectUri: string, dir: string, caFile: string): string {
  writeFileSync(join(dir, 'oidc.secret'), `${CLIENT_SECRET}\n`);
  return `auth:
  oidc:
    issuer: ${issuer}
    clientId: ${CLIENT_ID}
    clientSecretFile: ${join(dir, 'oidc.secret')}
    redirectUri: ${redirectUri}
    scopes: [openid, profile, groups]
    groupsClaim: groups
    label: Test IdP
    caFile: ${caFile}
  mappings:
    - group: ${CITY_HALL_VIEWERS}
      role: viewer
      sites: [city-hall]
    - group: ${AUDITORS}
      role: auditor
      allSites: true
`;
}

export const OIDC_USERS = {
  oscar: [CITY_HALL_VIEWERS],
  olga: [AUDITORS],
  nina: ['5a5a5a5a-0000-4000-8000-000000000000'],
};
