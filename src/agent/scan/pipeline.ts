/**
 * One scan, start to finish: scope → probes → observations → devices → report. Shared by the
 * one-shot `camsweep scan` and the daemon, so both produce the same report for the same network.
 */
import { randomUUID } from 'node:crypto';
import { checkReport } from '../../contract/report-schema.js';
import { type Observation, type ProbeStatus, REPORT_SCHEMA_ID, type Report } from '../../contract/types.js';
import type { Logger } from '../../core/log.js';
import { resolveScope } from '../../core/scope.js';
import { VERSION } from '../../core/version.js';
import { loadRiskAssessor, type RiskAssessor } from '../../knowledge/advisories/index.js';
import { type Classifier, loadClassifier } from '../../knowledge/classify/index.js';
import { type Identifier, loadIdentifier } from '../../knowledge/identify/index.js';
import type { Config } from '../config/config.js';
import { loadCredentials } from '../credentials.js';
import { probes as allProbes } from '../probes/registry.js';
import { assembleDevices, summarise } from './assemble.js';
import { beyondScopeGuard } from './beyond-scope.js';
import { sizeDeadlines } from './budget.js';
import { buildCoverage } from './coverage.js';
import { describeDiscovery } from './discovery-mode.js';
import { tuneHeapForSweep } from './heap.js';
import { foldHeard } from './heard.js';
import { type Progress, runProbes } from './runner.js';

export interface ScanHooks {
  readonly signal: AbortSignal;
  readonly log: Logger;
  readonly onProgress?: (progress: Progress) => void;
}

/** Signatures and rules, loaded once and reused (the daemon keeps them until SIGHUP). */
export interface ScanEngines {
  readonly identifier: Identifier;
  readonly classifier: Classifier;
  /** Firmware advisories (signatures/advisories), compared with reported firmware strings. */
  readonly assessor: RiskAssessor;
}

export function loadEngines(config: Config): ScanEngines {
  return {
    identifier: loadIdentifier(),
    classifier: loadClassifierFor(config),
    assessor: loadRiskAssessor(),
  };
}

function loadClassifierFor(config: Config): Classifier {
  return loadClassifier({ profile: config.classify.profile, customRules: config.classify.rules });
}

export interface ScanOptions {
  /** Loaded engines to reuse; loaded for this scan when absent. */
  readonly engines?: ScanEngines;
  /** Observations the daemon heard passively since the last scan, folded in before identify. */
  readonly heard?: readonly Observation[];
}

export interface ScanOutcome {
  readonly report: Report;
  /** Schema problems in our own output: a bug, reported loudly but never hiding the report. */
  readonly schemaProblems: readonly { field: string; message: string }[];
  readonly packetsSent: number;
  /** Devices in the report only because they were heard passively. */
  readonly heardPassively: number;
}

export async function runScan(
  config: Config,
  hooks: ScanHooks,
  options: ScanOptions = {},
): Promise<ScanOutcome> {
  // Everything that can fail on bad input fails here, before the first packet.
  const scope = resolveScope({
    targets: config.scan.targets,
    exclude: config.scan.exclude,
    allowPublic: config.scan.allowPublic,
    maxHosts: config.scan.maxHosts,
  });
  // The rules and the profile come from the user's config: check them now. The signature
  // database and the advisories are shipped data, needed only once the probes are done, so a
  // one-shot scan loads them after the sweep instead of carrying them through it (about 4 MB
  // of live heap, 20 MB of resident memory while they load).
  const classifier = options.engines?.classifier ?? loadClassifierFor(config);
  const credentials = config.credentials.file ? loadCredentials(config.credentials.file) : null;
  const enabled = allProbes.filter((p) => config.probes[p.id]?.enabled);
  const deadlines = sizeDeadlines(enabled, scope, config);
  tuneHeapForSweep();

  const startedAt = new Date();
  hooks.log.info(
    {
      hosts: scope.hosts.length,
      targets: scope.targets,
      interfaces: scope.interfaces.map((i) => i.name),
      probes: enabled.map((p) => p.id),
    },
    'scan starting',
  );
  const run = await runProbes({
    probes: enabled,
    scope,
    probeConfig: (id) => {
      const section = config.probes[id] ?? { enabled: true, deadline: 120_000 };
      const deadline = deadlines.get(id);
      return deadline === undefined ? section : { ...section, deadline };
    },
    secretsFor: (host) => credentials?.forHost(host) ?? null,
    packetsPerSecond: config.scan.rate,
    perHostConcurrency: config.scan.perHostConcurrency,
    deadline: startedAt.getTime() + config.scan.timeout,
    signal: hooks.signal,
    log: hooks.log,
    mayReportBeyondScope: beyondScopeGuard(config.scan.exclude),
    ...(hooks.onProgress ? { onProgress: hooks.onProgress } : {}),
    // Hosts heard passively since the last scan are live: enrichment reaches them too.
    ...(options.heard?.length ? { liveHosts: [...new Set(options.heard.map((o) => o.host))] } : {}),
  });

  const identifier = options.engines?.identifier ?? loadIdentifier();
  const assessor = options.engines?.assessor ?? loadRiskAssessor();
  const heard = foldHeard(run.observations, options.heard ?? [], scope);
  const devices = assembleDevices(
    heard.observations,
    {
      identify: (obs) => identifier.identify(obs),
      classify: (identity, evidence, at) => classifier.classify(identity, evidence, at),
      risks: (identity, at) => assessor.risks(identity, at),
    },
    startedAt,
  );
  const report: Report = {
    schema: REPORT_SCHEMA_ID,
    reportId: randomUUID(),
    agent: { id: config.agent.id, site: config.agent.site, version: VERSION },
    scan: {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      targets: scope.targets,
      probes: enabled.map((p) => p.id),
      rulesVersion: classifier.rulesVersion,
      rulesAsOf: classifier.rulesAsOf,
      rate: config.scan.rate,
      exclusions: config.scan.exclude,
      profile: config.classify.profile,
      partial: run.partial,
      probeStatus: withPassive(run.status, heard.status(devices)),
      ...(run.skipped ? { skipped: run.skipped } : {}),
      ...(enabled.some((p) => p.id === 'tcp')
        ? {
            discovery: describeDiscovery({
              tcp: config.probes.tcp!,
              liveHosts: run.liveHosts,
              addresses: scope.hosts.length,
              packetsPerSecond: config.scan.rate,
            }),
          }
        : {}),
    },
    summary: summarise(scope.hosts.length, devices),
    devices,
    coverage: buildCoverage({
      targets: scope.targets,
      exclude: config.scan.exclude,
      hosts: scope.hosts,
      interfaces: scope.interfaces,
      probes: enabled.map((p) => ({ id: p.id, reach: p.reach ?? 'routed' })),
      status: run.status,
      // Heard passively (daemon) counts as answering: the host was there.
      observations: heard.observations,
      reach: run.reach,
    }),
  };
  const schemaProblems = checkReport(report);
  if (schemaProblems.length > 0)
    hooks.log.error({ problems: schemaProblems }, 'report fails its own schema (bug)');
  return { report, schemaProblems, packetsSent: run.packetsSent, heardPassively: heard.heardOnly(devices) };
}

function withPassive(status: readonly ProbeStatus[], passive: ProbeStatus | null): readonly ProbeStatus[] {
  return passive === null ? status : [...status, passive];
}
