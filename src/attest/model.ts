/**
 * What an attestation says, as plain data: built from reports (and, for a collector, its
 * remediation records), rendered to HTML/PDF, embedded in the HTML and hashed. Every string
 * that came from a device is kept as sent and escaped only when rendered.
 */
import type {
  Evidence,
  Finding,
  Identity,
  ProbeStatus,
  ReportSummary,
  Risk,
  Verdict,
} from '../contract/types.js';

export const ATTESTATION_SCHEMA = 'camsweep.attestation/v1' as const;

export interface Remediation {
  readonly state: string;
  readonly approver: string | null;
  readonly reason: string | null;
  readonly expiresAt: string | null;
  readonly updatedAt: string | null;
}

/** Where the device is plugged in, when a report or the collector knows it. */
export interface Location {
  readonly switch: string | null;
  readonly port: string | null;
  readonly vlan: string | null;
}

export interface AttestedDevice {
  /** Stable key across attestations: site + MAC, else serial, else IP. */
  readonly key: string;
  readonly ip: string;
  readonly mac: string | null;
  readonly hostnames: readonly string[];
  readonly identity: Identity;
  readonly verdict: Verdict;
  readonly findings: readonly Finding[];
  /** The strongest evidence items (signature-matched first), and how many there were. */
  readonly evidence: readonly Evidence[];
  readonly evidenceTotal: number;
  readonly risks: readonly Risk[];
  readonly location: Location | null;
  readonly remediation: Remediation | null;
}

export interface SiteAttestation {
  readonly site: string;
  readonly agents: readonly { readonly id: string; readonly version: string }[];
  readonly scans: readonly {
    readonly reportId: string;
    readonly startedAt: string;
    readonly finishedAt: string;
    readonly partial: boolean;
  }[];
  readonly rules: { readonly version: string; readonly asOf: string | null; readonly profile: string | null };
  readonly scope: { readonly targets: readonly string[]; readonly coverage: unknown };
  readonly method: {
    readonly probes: readonly string[];
    readonly probeStatus: readonly ProbeStatus[];
    readonly rate: number | null;
    readonly exclusions: readonly string[] | null;
  };
  readonly summary: ReportSummary;
  /** Every covered and suspect device. */
  readonly devices: readonly AttestedDevice[];
  /** Devices with a firmware risk finding but a verdict other than covered/suspect. */
  readonly otherRisks: readonly AttestedDevice[];
}

export type ChangeKind = 'new' | 'gone' | 'verdict' | 'remediation' | 'risk';

export interface Change {
  readonly site: string;
  readonly key: string;
  readonly kind: ChangeKind;
  readonly text: string;
}

/** The hashed content of an attestation. `generatedAt` and the signature block live outside it. */
export interface AttestationData {
  readonly schema: typeof ATTESTATION_SCHEMA;
  readonly organisation: string | null;
  readonly sites: readonly SiteAttestation[];
  /** Null when no previous attestation was supplied. */
  readonly changes: readonly Change[] | null;
  readonly previous: { readonly hash: string } | null;
}
