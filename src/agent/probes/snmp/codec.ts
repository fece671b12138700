/**
 * SNMP values → observations. Pure: the net-snmp session lives in index.ts. OIDs and their
 * meaning are from the vendor MIBs summarised in docs/protocols.md §4 (not from the many invented
 * "OID tables" online, which contradict each other).
 */
import { cap } from '../../../core/text.js';
import { decodeText } from '../tcp/codec.js';

export const SYSTEM_OIDS = {
  sysDescr: '1.3.6.1.2.1.1.1.0',
  sysObjectID: '1.3.6.1.2.1.1.2.0',
  sysName: '1.3.6.1.2.1.1.5.0',
} as const;

/**
 * Vendor subtrees walked after the system group (bounded walks):
 * Hikvision HIK-DEVICE-MIB under enterprise 39165 (cameras) and the 50001 tree its NVR/DVR
 * firmware uses (HIKVISION-MIB); Dahua DAHUA-SNMP-MIB under 1004849, and 37496, the other
 * enterprise number Dahua-family firmware has been seen to answer under.
 */
export const VENDOR_SUBTREES: readonly string[] = [
  '1.3.6.1.4.1.39165',
  '1.3.6.1.4.1.50001',
  '1.3.6.1.4.1.1004849',
  '1.3.6.1.4.1.37496',
];

/** Scalars that carry a serial number (docs/protocols.md §4), used to merge hosts. */
export const SERIAL_OIDS: readonly string[] = [
  '1.3.6.1.4.1.50001.1.3.0', // hikEntityIndex
  '1.3.6.1.4.1.1004849.2.1.2.4.0', // Dahua productInfo.serialNumber
];

/** Scalars that carry the device MAC. */
export const MAC_OIDS: readonly string[] = [
  '1.3.6.1.4.1.39165.1.4.0', // HIK-DEVICE-MIB macAddr
  '1.3.6.1.4.1.1004849.2.2.2.2.0', // Dahua tcpIpInfo.macAddr
];

/** The observation key for an OID: the system group by name, anything else as `snmp.oid.<dotted>`. */
export function keyForOid(oid: string): string {
  const dotted = oid.replace(/^\./, '');
  for (const [name, known] of Object.entries(SYSTEM_OIDS)) if (known === dotted) return `snmp.${name}`;
  return `snmp.oid.${dotted}`;
}

export function inSubtree(oid: string, root: string): boolean {
  const o = oid.replace(/^\./, '');
  return o === root || o.startsWith(`${root}.`);
}

/** Numeric OID comparison; a walk that does not move forward must stop (buggy agents loop). */
export function compareOids(a: string, b: string): number {
  const x = a.replace(/^\./, '').split('.');
  const y = b.replace(/^\./, '').split('.');
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = Number(x[i]) - Number(y[i]);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

// ASN.1/SNMP type tags (RFC 2578 / RFC 3416) that net-snmp reports as `type`.
const OCTET_STRING = 4;
const NULL = 5;
const OID = 6;
const IP_ADDRESS = 64;
const OPAQUE = 68;
const COUNTER64 = 70;
const EXCEPTIONS = new Set([128, 129, 130]); // noSuchObject, noSuchInstance, endOfMibView

const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/**
 * A varbind value as observation text: strings decoded (UTF-8, else Latin-1) and trimmed of
 * the NUL padding some firmware leaves; binary octets (a raw 6-byte MAC) as `0x`-prefixed
 * hex; numbers and OIDs as text. Null for exceptions and empty values.
 */
export function varbindText(type: number | undefined, value: unknown): string | null {
  if (type !== undefined && (EXCEPTIONS.has(type) || type === NULL)) return null;
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) {
    if (type === OCTET_STRING || type === OPAQUE || type === undefined) {
      const text = decodeText(value).replace(/\0+$/, '');
      if (text.length === 0) return null;
      if (!CONTROL.test(text)) return cap(text.trim());
    }
    if (type === COUNTER64 && value.length <= 8) {
      return value.length === 0 ? '0' : BigInt(`0x${value.toString('hex')}`).toString();
    }
    return value.length === 0 ? null : cap(`0x${value.toString('hex')}`);
  }
  if (type === OID || type === IP_ADDRESS) return cap(String(value).replace(/^\./, ''));
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  if (typeof value === 'string') return value.length === 0 ? null : cap(value);
  return null;
}
