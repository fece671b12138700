/**
 * What the dashboard keeps about a device besides its identity: where a switch saw it (switch,
 * port, VLAN) and a short list of what it showed of itself — open ports, server and login
 * greetings, SNMP sysDescr, LLDP description, OUI organisation — so an admin can judge a device
 * camsweep could not identify. All of it is device-supplied text: capped here, escaped by the
 * views.
 */
import type { Device, DeviceLocation } from '../../contract/types.js';

export interface SeenItem {
  /** Human label of the observation (e.g. "HTTP server", "SSH greeting"). */
  readonly label: string;
  readonly value: string;
  readonly port?: number;
}

export interface Seen {
  readonly ports: readonly number[];
  readonly items: readonly SeenItem[];
}

/** Observation keys worth showing, in display order, with their label. */
const SHOWN: readonly (readonly [string, string])[] = [
  ['http.header.server', 'HTTP server'],
  ['http.html.title', 'Web page title'],
  ['http.auth.realm', 'HTTP login realm'],
  ['rtsp.header.server', 'RTSP server'],
  ['ssh.banner', 'SSH greeting'],
  ['telnet.banner', 'Telnet greeting'],
  ['ftp.banner', 'FTP greeting'],
  ['snmp.sysDescr', 'SNMP sysDescr'],
  ['snmp.sysName', 'SNMP sysName'],
  ['lldp.sysDesc', 'LLDP description'],
  ['lldp.sysName', 'LLDP name'],
  ['mdns.service', 'mDNS service'],
  ['tls.cert.subject', 'TLS certificate'],
  ['onvif.device.manufacturer', 'ONVIF manufacturer'],
  ['onvif.device.model', 'ONVIF model'],
  ['mac.oui.org', 'MAC registered to'],
];
const MAX_VALUE = 256;
const MAX_ITEMS = 32;
const MAX_PORTS = 64;

export function seenOf(d: Device): Seen {
  const source = d.observations ?? d.evidence;
  const ports = new Set<number>();
  const items: SeenItem[] = [];
  const dedupe = new Set<string>();
  for (const o of source) {
    if (o.key === 'tcp.open' && /^\d{1,5}$/.test(o.value)) ports.add(Number(o.value));
  }
  for (const [key, label] of SHOWN) {
    for (const o of source) {
      if (o.key !== key || items.length >= MAX_ITEMS) continue;
      const value = o.value.slice(0, MAX_VALUE);
      const id = `${key}|${o.port ?? ''}|${value}`;
      if (dedupe.has(id)) continue;
      dedupe.add(id);
      items.push({ label, value, ...(o.port !== undefined ? { port: o.port } : {}) });
    }
  }
  return { ports: [...ports].sort((a, b) => a - b).slice(0, MAX_PORTS), items };
}

/** "name (address)" or the address: the label the device list filters and sorts on. */
export function switchLabel(l: DeviceLocation): string {
  return l.switchName ? `${l.switchName} (${l.switch})` : l.switch;
}

/** The location, switch label, VLAN and seen-list columns of one device row, in that order. */
export function deviceContext(d: Device): [string | null, string | null, number | null, string] {
  const l = d.location;
  return [
    l ? JSON.stringify(l) : null,
    l ? switchLabel(l) : null,
    l?.vlan ?? null,
    JSON.stringify(seenOf(d)),
  ];
}
