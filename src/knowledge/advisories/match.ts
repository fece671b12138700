/**
 * Firmware risk: compares the firmware string a device already reported with the advisories'
 * affected ranges. Read-only by construction — it takes an identity, never a connection.
 */
import type { DeviceType, Identity, Risk } from '../../contract/types.js';
import { compareVersions, firmwareBuild, firmwareVersion, parseVersion } from './firmware-version.js';
import type { Advisory, AffectedRange } from './model.js';

export interface RiskSubject {
  readonly manufacturer: string | null;
  readonly model: string | null;
  readonly firmware: string | null;
  readonly deviceType: DeviceType | null;
}

/** Why a range holds, in words, or null when it does not (or the firmware cannot answer it). */
function rangeHolds(range: AffectedRange, subject: RiskSubject, at: Date): string | null {
  if (range.models && !(subject.model !== null && range.models.test(subject.model.slice(0, 256))))
    return null;
  if (range.deviceTypes && !(subject.deviceType !== null && range.deviceTypes.includes(subject.deviceType)))
    return null;
  const parts: string[] = [];
  const wantsVersion = range.versionFrom ?? range.versionThrough ?? range.versionBefore;
  if (wantsVersion !== undefined) {
    const version = firmwareVersion(subject.firmware);
    if (!version) return null;
    if (range.versionFrom && compareVersions(version, parseVersion(range.versionFrom)) < 0) return null;
    if (range.versionThrough && compareVersions(version, parseVersion(range.versionThrough)) > 0) return null;
    if (range.versionBefore && compareVersions(version, parseVersion(range.versionBefore)) >= 0) return null;
    const lo = range.versionFrom ?? '…';
    const hi = range.versionThrough ?? (range.versionBefore ? `before ${range.versionBefore}` : '…');
    parts.push(`version ${version.join('.')} within ${lo} – ${hi}`);
  }
  const wantsBuild = range.buildFrom ?? range.buildThrough ?? range.buildBefore;
  if (wantsBuild !== undefined) {
    const build = firmwareBuild(subject.firmware, at);
    if (!build) return null;
    if (range.buildFrom && build < range.buildFrom) return null;
    if (range.buildThrough && build > range.buildThrough) return null;
    if (range.buildBefore && build >= range.buildBefore) return null;
    const lo = range.buildFrom ?? '…';
    const hi = range.buildThrough ?? (range.buildBefore ? `before ${range.buildBefore}` : '…');
    parts.push(`build ${build} within ${lo} – ${hi}`);
  }
  if (range.modelsText) parts.push(`model matches ${range.modelsText}`);
  return parts.join('; ');
}

/** Risk findings for one device; empty when its maker, model or firmware is unknown or outside every range. */
export function risksFor(advisories: readonly Advisory[], subject: RiskSubject, at: Date): Risk[] {
  if (subject.manufacturer === null || subject.firmware === null) return [];
  const risks: Risk[] = [];
  for (const a of advisories) {
    if (!a.manufacturers.includes(subject.manufacturer)) continue;
    for (const range of a.affected) {
      const why = rangeHolds(range, subject, at);
      if (why === null) continue;
      const caveat =
        range.certainty === 'possible'
          ? '; possible: not every product type is affected, check the advisory'
          : '';
      risks.push({
        advisory: a.id,
        cve: a.cve,
        title: a.title,
        kev: a.kev,
        certainty: range.certainty,
        fixed: a.fixed,
        basis: `firmware "${subject.firmware.slice(0, 120)}": ${why}${caveat}`,
        source: a.source,
      });
      break;
    }
  }
  return risks;
}

export function subjectOf(identity: Identity): RiskSubject {
  return {
    manufacturer: identity.manufacturer,
    model: identity.model,
    firmware: identity.firmware,
    deviceType: identity.deviceType,
  };
}
