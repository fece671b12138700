/**
 * Debian's OpenLDAP server (slapd) as a test peer: its own cn=config directory under a temp
 * dir (built with slapadd), listening on 127.0.0.1 only, with the memberof overlay so user
 * entries carry memberOf as Active Directory's do. With a PKI it offers StartTLS on the ldap://
 * port and LDAPS on a second port; without one it offers no TLS at all (for the fail-closed
 * test). Test users and groups are added over LDAP after start, so the overlay sees them.
 * Never the system slapd: nothing here reads /etc/ldap/slapd.d or starts a service.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Attribute, Change, Client } from 'ldapts';
import type { TestPki } from '../../helpers/pki.js';
import { freePort } from '../harness.js';

export const SLAPD = '/usr/sbin/slapd';
export const SLAPADD = '/usr/sbin/slapadd';
export const BASE = 'dc=example,dc=org';
const ADMIN_DN = `cn=admin,${BASE}`;
const ADMIN_PW = 'slapd-test-admin-secret';

export interface LdapUser {
  readonly uid: string;
  readonly password: string;
  readonly groups: readonly string[];
}

export interface RunningSlapd {
  /** ldap://127.0.0.1:PORT (StartTLS offered when started with a PKI). */
  readonly ldapUrl: string;
  /** ldaps://127.0.0.1:PORT, or null without a PKI. */
  readonly ldapsUrl: string | null;
  userDn(uid: string): string;
  groupDn(name: string): string;
  /** Takes a user out of a group (the memberof overlay updates the user's memberOf). */
  removeFromGroup(uid: string, group: string): Promise<void>;
  stop(): Promise<void>;
}

const userDn = (uid: string) => `uid=${uid},ou=people,${BASE}`;
const groupDn = (name: string) => `cn=${name},ou=groups,${BASE}`;

function configLdif(dir: string, pki: TestPki | null): string {
  const tls = pki
    ? `olcTLSCACertificateFile: ${pki.ca}\nolcTLSCertificateFile: ${pki.serverCert}\nolcTLSCertificateKeyFile: ${pki.serverKey}\n`
    : '';
  return `dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: ${join(dir, 'slapd.pid')}
${tls}
dn: cn=module{0},cn=config
objectClass: olcModuleList
cn: module{0}
olcModulePath: /usr/lib/ldap
olcModuleLoad: back_mdb
olcModuleLoad: memberof

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file:///etc/ldap/schema/core.ldif
include: file:///etc/ldap/schema/cosine.ldif
include: file:///etc/ldap/schema/inetorgperson.ldif

dn: olcDatabase={-1}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {-1}frontend

dn: olcDatabase={0}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {0}config
olcAccess: {0}to * by * none

dn: olcDatabase={1}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {1}mdb
olcDbDirectory: ${join(dir, 'data')}
olcDbMaxSize: 16777216
olcSuffix: ${BASE}
olcRootDN: ${ADMIN_DN}
olcRootPW: ${ADMIN_PW}
olcAccess: {0}to attrs=userPassword by anonymous auth by * none
olcAccess: {1}to * by * read

dn: olcOverlay={0}memberof,olcDatabase={1}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcMemberOf
olcOverlay: {0}memberof
olcMemberOfGroupOC: groupOfNames
olcMemberOfMemberAD: member
olcMemberOfMemberOfAD: memberOf
`;
}

async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`slapd exited (${child.exitCode}): ${log()}`);
    const open = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`slapd did not listen on 127.0.0.1:${port}: ${log()}`);
}

export async function startSlapd(
  dir: string,
  users: readonly LdapUser[],
  pki: TestPki | null,
): Promise<RunningSlapd> {
  const confDir = join(dir, 'slapd.d');
  mkdirSync(confDir, { recursive: true });
  mkdirSync(join(dir, 'data'), { recursive: true });
  writeFileSync(join(dir, 'config.ldif'), configLdif(dir, pki));
  execFileSync(SLAPADD, ['-n', '0', '-F', confDir, '-l', join(dir, 'config.ldif')], { stdio: 'pipe' });
  const port = await freePort();
  const tlsPort = pki ? await freePort() : null;
  const ldapUrl = `ldap://127.0.0.1:${port}`;
  const ldapsUrl = tlsPort ? `ldaps://127.0.0.1:${tlsPort}` : null;
  const listeners = [`${ldapUrl}/`, ...(ldapsUrl ? [`${ldapsUrl}/`] : [])].join(' ');
  // -d keeps slapd in the foreground, so the test owns the process and kills it by its pid.
  const child = spawn(SLAPD, ['-d', '0', '-h', listeners, '-F', confDir], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-4000);
  });
  await waitForPort(port, child, () => stderr);

  const admin = new Client({ url: ldapUrl });
  await admin.bind(ADMIN_DN, ADMIN_PW);
  await admin.add(BASE, { objectClass: ['top', 'dcObject', 'organization'], o: 'Example', dc: 'example' });
  for (const ou of ['people', 'groups'])
    await admin.add(`ou=${ou},${BASE}`, { objectClass: ['organizationalUnit'], ou });
  for (const u of users)
    await admin.add(userDn(u.uid), {
      objectClass: ['inetOrgPerson'],
      uid: u.uid,
      cn: u.uid,
      sn: u.uid,
      userPassword: u.password,
    });
  const groups = [...new Set(users.flatMap((u) => u.groups))];
  for (const g of groups)
    await admin.add(groupDn(g), {
      objectClass: ['groupOfNames'],
      cn: g,
      // groupOfNames needs a member: the admin stays in every group, so any test user can leave.
      member: [...users.filter((u) => u.groups.includes(g)).map((u) => userDn(u.uid)), ADMIN_DN],
    });
  await admin.unbind();

  return {
    ldapUrl,
    ldapsUrl,
    userDn,
    groupDn,
    async removeFromGroup(uid, group) {
      const c = new Client({ url: ldapUrl });
      await c.bind(ADMIN_DN, ADMIN_PW);
      await c.modify(
        groupDn(group),
        new Change({
          operation: 'delete',
          modification: new Attribute({ type: 'member', values: [userDn(uid)] }),
        }),
      );
      await c.unbind();
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
