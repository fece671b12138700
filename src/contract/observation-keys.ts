/**
 * The observation-key registry: the one place that says which keys exist.
 *
 * Keys are `<proto>.<field>[.<sub>]` (docs/architecture.md §3). A pattern ending in
 * `.*` stands for a family whose last part comes from the device (`http.header.server`,
 * `sadp.DeviceSN`). Probes declare the patterns they emit and the runner refuses anything
 * else; signatures may only read keys that match a pattern here, which `camsweep verify`
 * checks.
 */

export interface KeyDefinition {
  /** Exact key, or a family ending in `.*`. */
  readonly pattern: string;
  readonly meaning: string;
}

const definitions: readonly KeyDefinition[] = [
  // ONVIF WS-Discovery ProbeMatch / Hello, and the device service (docs/protocols.md §1)
  { pattern: 'onvif.endpoint', meaning: 'EndpointReference address, normalised (no urn:/uuid:, lower case)' },
  { pattern: 'onvif.types', meaning: 'WS-Discovery Types, space separated QNames as sent' },
  { pattern: 'onvif.xaddr', meaning: 'one XAddr URL (one observation per URL)' },
  {
    pattern: 'onvif.scope.*',
    meaning: 'decoded scope value by category: name, hardware, mac, location, type, Profile…',
  },
  { pattern: 'onvif.device.manufacturer', meaning: 'GetDeviceInformation Manufacturer' },
  { pattern: 'onvif.device.model', meaning: 'GetDeviceInformation Model' },
  { pattern: 'onvif.device.firmware', meaning: 'GetDeviceInformation FirmwareVersion' },
  { pattern: 'onvif.device.serial', meaning: 'GetDeviceInformation SerialNumber' },
  { pattern: 'onvif.device.hardwareId', meaning: 'GetDeviceInformation HardwareId' },
  { pattern: 'onvif.clock.offset', meaning: 'device UTC minus our UTC in seconds (GetSystemDateAndTime)' },
  {
    pattern: 'onvif.clock.tz',
    meaning: 'device time zone string from GetSystemDateAndTime, e.g. CST-8:00:00',
  },
  // Hikvision SADP (docs/protocols.md §2) and Dahua DHIP discovery (§3)
  { pattern: 'sadp.*', meaning: 'SADP ProbeMatch element, as sent (sadp.DeviceDescription)' },
  { pattern: 'dhip.*', meaning: 'DHIP deviceInfo field, as sent (dhip.SerialNo), plus dhip.mac' },
  // mDNS / DNS-SD (§5.6)
  { pattern: 'mdns.service', meaning: 'service type, e.g. _CGI._tcp' },
  { pattern: 'mdns.instance', meaning: 'service instance name' },
  { pattern: 'mdns.host', meaning: 'SRV target host name' },
  { pattern: 'mdns.txt.*', meaning: 'TXT record key=value' },
  // SNMP (§4)
  { pattern: 'snmp.sysDescr', meaning: 'SNMPv2-MIB::sysDescr.0' },
  { pattern: 'snmp.sysObjectID', meaning: 'SNMPv2-MIB::sysObjectID.0, dotted, no leading dot' },
  { pattern: 'snmp.sysName', meaning: 'SNMPv2-MIB::sysName.0' },
  { pattern: 'snmp.oid.*', meaning: 'any other scalar, keyed by dotted OID' },
  {
    pattern: 'snmp.enterprise',
    meaning: 'private enterprise number (IANA) of a scalar the agent answered under 1.3.6.1.4.1 (derived)',
  },
  // HTTP(S) and TLS (§5.1–5.4); port and path ride on the observation
  { pattern: 'http.status', meaning: 'status code of the response' },
  { pattern: 'http.header.*', meaning: 'response header by lower-case name' },
  { pattern: 'http.auth.realm', meaning: 'realm of a WWW-Authenticate challenge' },
  {
    pattern: 'http.auth.scheme',
    meaning: 'scheme of a WWW-Authenticate challenge, lower case (digest, basic); derived by identify',
  },
  { pattern: 'http.html.title', meaning: 'text of the HTML <title>' },
  { pattern: 'http.body', meaning: 'response body, capped' },
  { pattern: 'http.favicon.mmh3', meaning: 'Shodan-style MurmurHash3 of the base64 favicon' },
  { pattern: 'http.favicon.mmh3-raw', meaning: 'MurmurHash3 (signed, seed 0) of the favicon bytes' },
  { pattern: 'http.favicon.md5', meaning: 'MD5 of the favicon bytes, lower-case hex' },
  {
    pattern: 'http.favicon.base64',
    meaning: 'favicon bytes as base64 (line breaks allowed); identify derives the three hashes',
  },
  {
    pattern: 'http.lenient',
    meaning: 'the response only parsed with the lenient parser; value names the quirk',
  },
  { pattern: 'tls.cert.subject', meaning: 'certificate subject, RFC 4514-like string' },
  { pattern: 'tls.cert.issuer', meaning: 'certificate issuer' },
  { pattern: 'tls.cert.sha256', meaning: 'SHA-256 of the DER certificate, hex' },
  {
    pattern: 'tls.cert.pem',
    meaning: 'the certificate as PEM text; identify derives subject, issuer and sha256 from it',
  },
  // RTSP (§5.5)
  { pattern: 'rtsp.status', meaning: 'status line code of OPTIONS or DESCRIBE' },
  { pattern: 'rtsp.header.*', meaning: 'RTSP reply header by lower-case name' },
  { pattern: 'rtsp.auth.realm', meaning: 'realm of the DESCRIBE challenge' },
  {
    pattern: 'rtsp.auth.scheme',
    meaning: 'scheme of the DESCRIBE challenge, lower case; derived by identify',
  },
  // TCP sweep and banners
  { pattern: 'tcp.open', meaning: 'an open TCP port; value is the port number' },
  { pattern: 'telnet.banner', meaning: 'first bytes a telnet service sends' },
  { pattern: 'ftp.banner', meaning: 'FTP greeting' },
  { pattern: 'ssh.banner', meaning: 'SSH identification string' },
  // Another scanner's own conclusion about a port (nmap's service match; camsweep identify --from)
  { pattern: 'nmap.service.product', meaning: 'nmap -sV product name for a port, as nmap printed it' },
  { pattern: 'nmap.service.version', meaning: 'nmap -sV version for a port' },
  { pattern: 'nmap.service.extrainfo', meaning: 'nmap -sV extra information for a port' },
  { pattern: 'nmap.service.devicetype', meaning: 'nmap -sV device type for a port (webcam, router…)' },
  // Link layer
  { pattern: 'mac.address', meaning: 'MAC address, lower case, colon separated' },
  { pattern: 'mac.oui.org', meaning: 'IEEE registry organisation for the MAC prefix' },
  // Switch- and router-side tables read over SNMP (src/agent/probes/switch)
  { pattern: 'switch.device', meaning: 'address of the switch whose forwarding table holds the MAC' },
  { pattern: 'switch.name', meaning: 'sysName of that switch' },
  { pattern: 'switch.port', meaning: 'ifName (else ifDescr) of the access port the MAC was learned on' },
  { pattern: 'switch.portAlias', meaning: 'ifAlias of that port (the admin label)' },
  { pattern: 'switch.vlan', meaning: '802.1Q VLAN id of the forwarding entry' },
  {
    pattern: 'switch.read',
    meaning: 'on the switch itself: outcome of reading its tables (read: counts, or failed: why)',
  },
  { pattern: 'lldp.sysName', meaning: 'LLDP-MIB lldpRemSysName a neighbour announced' },
  { pattern: 'lldp.sysDesc', meaning: 'LLDP-MIB lldpRemSysDesc a neighbour announced' },
  { pattern: 'lldp.chassisId', meaning: 'lldpRemChassisId, a MAC when its subtype says so' },
  { pattern: 'lldp.portId', meaning: 'lldpRemPortId of the neighbour' },
  { pattern: 'lldp.portDesc', meaning: 'lldpRemPortDesc of the neighbour' },
];

const exact = new Set<string>();
const families: string[] = [];
for (const d of definitions) {
  if (d.pattern.endsWith('.*')) families.push(d.pattern.slice(0, -1));
  else exact.add(d.pattern);
}

export const observationKeys: readonly KeyDefinition[] = definitions;

/** True when `key` is an exact key or a member of a family in the registry. */
export function isKnownKey(key: string): boolean {
  if (exact.has(key)) return true;
  for (const prefix of families) {
    if (key.length > prefix.length && key.startsWith(prefix)) return true;
  }
  return false;
}

/** True when a probe that declared `patterns` may emit `key`. */
export function keyMatchesPatterns(key: string, patterns: readonly string[]): boolean {
  for (const p of patterns) {
    if (p.endsWith('.*')) {
      const prefix = p.slice(0, -1);
      if (key.length > prefix.length && key.startsWith(prefix)) return true;
    } else if (p === key) return true;
  }
  return false;
}

/** True when a declared pattern is itself in the registry (checked when probes load). */
export function isKnownPattern(pattern: string): boolean {
  return definitions.some((d) => d.pattern === pattern) || (!pattern.endsWith('.*') && isKnownKey(pattern));
}
