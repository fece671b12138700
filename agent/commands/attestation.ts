/**
 * Composition of the attestation wing with its sources: reports from JSON files, or site
 * snapshots from the collector's database (the CLI and the dashboard button use the same
 * path). Lives with the entry points because it joins wings that must not import each other.
 */
import { readFileSync } from 'node:fs';
import {
  type AttestationData,
  buildAttestation,
  deviceKey,
  type Remediation,
  readEmbedded,
  renderAttestation,
  renderAttestationPdf,
  type SiteInput,
} from '../../src/attest/index.js';
import type { SiteSnapshot } from '../../src/collector/store/snapshot.js';
import { checkReport } from '../../src/contract/report-schema.js';
import type { Report } from '../../src/contract/types.js';
import { CamsweepError } from '../../src/core/errors.js';
import { loadRiskAssessor } from '../../src/knowledge/advisories/index.js';

export interface AttestOptions {
  readonly organisation: string | null;
  /** An earlier attestation HTML file to compare with. */
  readonly previousFile?: string | null;
}

export function readReportFile(path: string): Report {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new CamsweepError('E_USAGE', `cannot read report ${path}: ${(err as Error).message}`, {
      fix: 'pass a JSON report written by `camsweep scan --format json` (or pushed by an agent)',
    });
  }
  const problems = checkReport(parsed);
  if (problems.length > 0)
    throw new CamsweepError(
      'E_USAGE',
      `${path} is not a valid camsweep.report/v1: ${problems
        .slice(0, 3)
        .map((p) => `${p.field} ${p.message}`)
        .join('; ')}`,
      { fix: 'pass the report exactly as camsweep wrote it' },
    );
  return parsed as Report;
}

export function fromSnapshots(snapshots: readonly SiteSnapshot[]): SiteInput[] {
  return snapshots.map(({ report, remediation }) => {
    const byKey = new Map<string, Remediation>();
    for (const [device, record] of remediation) byKey.set(deviceKey(report.agent.site, device), record);
    return { report, remediation: byKey };
  });
}

export function attest(inputs: readonly SiteInput[], options: AttestOptions): AttestationData {
  if (inputs.length === 0)
    throw new CamsweepError('E_USAGE', 'nothing to attest: no report, or no scan for the site(s) asked for', {
      fix: 'check the site name (the dashboard overview lists them) or give --from REPORT.json',
    });
  const previous = options.previousFile
    ? readEmbedded(readFileSync(options.previousFile, 'utf8'), options.previousFile)
    : null;
  const assessor = loadRiskAssessor();
  return buildAttestation(inputs, {
    organisation: options.organisation,
    previous: previous?.data ?? null,
    previousHash: previous?.hash ?? null,
    risks: (identity, at) => assessor.risks(identity, at),
  });
}

export interface AttestationFile {
  readonly body: string | Buffer;
  readonly hash: string;
  readonly contentType: string;
}

/** The dashboard button: every snapshot asked for, rendered like `camsweep report --site`. */
export async function dashboardAttestation(
  snapshots: readonly SiteSnapshot[],
  format: 'html' | 'pdf',
  organisation: string | null,
): Promise<AttestationFile> {
  return renderFile(attest(fromSnapshots(snapshots), { organisation }), format);
}

export async function renderFile(
  data: AttestationData,
  format: 'html' | 'pdf',
  now = new Date(),
): Promise<AttestationFile> {
  if (format === 'html') {
    const r = renderAttestation(data, now);
    return { body: r.html, hash: r.hash, contentType: 'text/html; charset=utf-8' };
  }
  const r = await renderAttestationPdf(data, now);
  return { body: r.pdf, hash: r.hash, contentType: 'application/pdf' };
}
