/**
 * SNMP object identifiers in the forms tools print, turned into the one form signatures read:
 * dotted numbers, no leading dot. net-snmp's `snmpget`/`snmpwalk` print `.1.3.6…`,
 * `iso.3.6.1…`, `SNMPv2-SMI::enterprises.39165…` or `enterprises.39165…` depending on their
 * `-O` flags and the MIBs loaded (net-snmp snmpcmd(1), "OUTPUT OPTIONS"); nmap's snmp scripts
 * print plain dotted OIDs. Values may carry the tool's type tag (`OID: `, `STRING: "…"`).
 */

/**
 * Names of the standard tree's nodes (RFC 1155 §3.1, RFC 2578 §2) by their parent's dotted OID.
 * A name may start an OID (`enterprises.39165`) or continue one (`iso.org.dod.internet…`).
 */
const NODE: ReadonlyMap<string, string> = new Map(
  Object.entries({
    iso: '1',
    org: '1.3',
    dod: '1.3.6',
    internet: '1.3.6.1',
    mgmt: '1.3.6.1.2',
    'mib-2': '1.3.6.1.2.1',
    system: '1.3.6.1.2.1.1',
    private: '1.3.6.1.4',
    enterprises: '1.3.6.1.4.1',
  }),
);

/** Named scalars of the system group (RFC 3418) that have their own observation keys. */
const SYSTEM_SCALARS: ReadonlyMap<string, string> = new Map(
  Object.entries({
    '1.3.6.1.2.1.1.1.0': 'snmp.sysDescr',
    '1.3.6.1.2.1.1.2.0': 'snmp.sysObjectID',
    '1.3.6.1.2.1.1.5.0': 'snmp.sysName',
  }),
);
const SYSTEM_NAMES: ReadonlyMap<string, string> = new Map(
  Object.entries({
    'sysDescr.0': 'snmp.sysDescr',
    'sysObjectID.0': 'snmp.sysObjectID',
    'sysName.0': 'snmp.sysName',
  }),
);

const MAX_OID_CHARS = 512;
const DOTTED = /^\d{1,10}(?:\.\d{1,10}){0,127}$/;

/**
 * The dotted form of an OID as a tool printed it, or null when it is not one we can resolve
 * without a vendor MIB (`HIK-DEVICE-MIB::…` names need the MIB, and are left alone).
 */
export function normaliseOid(text: string): string | null {
  let t = text.trim();
  if (t.length === 0 || t.length > MAX_OID_CHARS) return null;
  // `OID: ` is snmpget's type tag; `SNMPv2-SMI::` names the MIB module the first name is from.
  t = t
    .replace(/^OID:\s*/i, '')
    .replace(/^\./, '')
    .replace(/^(?:SNMPv2-SMI|RFC1155-SMI|SNMPv2-MIB|RFC1213-MIB)::/, '');
  let dotted = '';
  for (const part of t.split('.')) {
    const node = NODE.get(part);
    if (/^\d{1,10}$/.test(part)) dotted = dotted === '' ? part : `${dotted}.${part}`;
    // A name starts the OID, or continues it only right under its parent (`iso.org`, not `iso.enterprises`).
    else if (node !== undefined && (dotted === '' || node.slice(0, node.lastIndexOf('.')) === dotted))
      dotted = node;
    else return null;
  }
  return DOTTED.test(dotted) ? dotted : null;
}

/**
 * The observation key an SNMP key stands for once its OID is in dotted form:
 * `snmp.oid.iso.3.6.1.2.1.1.1.0` → `snmp.sysDescr`, `snmp.oid..1.3.6.1.4.1.39165.1.1.0` →
 * `snmp.oid.1.3.6.1.4.1.39165.1.1.0`. Keys that need nothing come back unchanged.
 */
export function normaliseSnmpKey(key: string): string {
  if (!key.startsWith('snmp.oid.')) return key;
  const oid = key.slice('snmp.oid.'.length);
  const named = SYSTEM_NAMES.get(oid.replace(/^(?:SNMPv2-MIB|RFC1213-MIB)::/, ''));
  if (named !== undefined) return named;
  const dotted = normaliseOid(oid);
  if (dotted === null) return key;
  return SYSTEM_SCALARS.get(dotted) ?? `snmp.oid.${dotted}`;
}

/** A value without the type tag and quotes snmpget prints around it (`STRING: "Hikvision"`). */
export function normaliseSnmpValue(key: string, value: string): string {
  const untagged = value.replace(
    /^(?:STRING|OID|Hex-STRING|INTEGER|Gauge32|Counter32|Counter64|Timeticks|IpAddress|OCTET STRING|OBJECT IDENTIFIER):\s?/,
    '',
  );
  if (key === 'snmp.sysObjectID') return normaliseOid(untagged) ?? untagged;
  const quoted = /^"([\s\S]*)"$/.exec(untagged);
  return quoted ? quoted[1]! : untagged;
}
