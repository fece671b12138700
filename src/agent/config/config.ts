/**
 * Config: one YAML file (agent/camsweep.example.yaml documents every key) plus CLI flags that
 * override it. Validated once, with every problem reported as `file:line key: message`, then
 * deep-frozen so nothing downstream can change it mid-scan.
 *
 * The schema is composed from the sections each module declares next to its own code
 * (probes declare `probes.<id>`; push, daemon and core declare theirs), so the example file,
 * the validation and the code cannot drift apart.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { isMap, isScalar, type Node } from 'yaml';
import {
  type ConfigSpec,
  coerceField,
  defaultOf,
  type FieldSpec,
  type SectionOf,
  sectionOf,
} from '../../core/config-spec.js';
import { CamsweepError } from '../../core/errors.js';
import { parseYamlWithLines } from '../../core/yaml.js';
import { probes } from '../probes/registry.js';
import { probeCommonSpec } from '../probes/shared/common-config.js';
import { pushConfigSpec } from '../push/config.js';
import { agentConfigSpec } from './agent-section.js';

const coreSections = {
  agent: {
    id: {
      type: 'string',
      default: null,
      doc: 'agent id in reports and at the collector (default: the host name)',
    },
    site: { type: 'string', default: 'default', doc: 'site name this agent scans, e.g. "city-hall"' },
  },
  scan: {
    targets: {
      type: 'targets',
      default: [],
      doc: 'IPs, CIDRs or ranges; empty = the connected RFC 1918 subnets',
    },
    exclude: { type: 'targets', default: [], doc: 'addresses never to touch (always wins over targets)' },
    allowPublic: {
      type: 'boolean',
      default: false,
      doc: 'allow non-RFC 1918 targets (only networks you are authorised to scan)',
    },
    maxHosts: {
      type: 'integer',
      default: 65_536,
      min: 1,
      max: 16_777_216,
      doc: 'refuse scopes larger than this',
    },
    rate: {
      type: 'integer',
      default: 1000,
      min: 0,
      max: 1_000_000,
      doc: 'global cap in packets per second (0 = uncapped)',
    },
    perHostConcurrency: {
      type: 'integer',
      default: 4,
      min: 1,
      max: 64,
      doc: 'probe operations in flight per host',
    },
    timeout: { type: 'duration', default: '10m', minMs: 1000, doc: 'hard deadline for a whole scan' },
  },
  credentials: {
    file: {
      type: 'string',
      default: null,
      doc: 'YAML credentials file keyed by CIDR (mode 600); see agent/credentials.example.yaml',
    },
  },
  output: {
    format: {
      type: 'enum',
      values: ['table', 'json', 'csv'],
      default: 'table',
      doc: 'report format on stdout or --out',
    },
    out: { type: 'string', default: null, doc: 'write the report to this file instead of stdout' },
  },
  classify: {
    profile: {
      type: 'string',
      default: 'us-local-government',
      doc: 'rule profile (see signatures/rules/profiles.yaml)',
    },
    rules: {
      type: 'strings',
      default: [],
      doc: 'extra rule ids added to the profile (the custom profile is exactly these)',
    },
  },
  log: {
    level: {
      type: 'enum',
      values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace'],
      default: 'info',
      doc: 'log level (JSON on stderr)',
    },
  },
} as const satisfies Record<string, ConfigSpec>;

/**
 * Every section: the core ones above plus those declared next to their code (the daemon's keys
 * join `agent`, the push client owns `push`). The config's TypeScript type is inferred from this.
 */
const SECTIONS = {
  ...coreSections,
  agent: { ...coreSections.agent, ...agentConfigSpec },
  push: pushConfigSpec,
};
type Sections = typeof SECTIONS;
type Loaded = { readonly [K in keyof Sections]: SectionOf<Sections[K]> };

/** A probe's section: the keys every probe has, plus its own (read with `probeSettings`). */
export type ProbeSection = SectionOf<typeof probeCommonSpec> & Readonly<Record<string, unknown>>;

/** The validated, frozen configuration; its type is inferred from the section specs. */
export type Config = Omit<Loaded, 'agent'> & {
  /** `agent.id` defaults to the host name, so it is never null once loaded. */
  readonly agent: Omit<Loaded['agent'], 'id'> & { readonly id: string };
  readonly probes: Readonly<Record<string, ProbeSection>>;
};

/** The full schema: section name → key → field. Probe sections are nested under `probes`. */
export function configSchema(): { sections: Record<string, ConfigSpec>; probes: Record<string, ConfigSpec> } {
  const probeSpecs: Record<string, ConfigSpec> = {};
  for (const p of probes) {
    probeSpecs[p.id] = {
      ...probeCommonSpec,
      enabled: { ...probeCommonSpec.enabled, default: p.enabledByDefault },
      ...p.config,
    };
  }
  return { sections: { ...SECTIONS }, probes: probeSpecs };
}

/** Overrides from flags: dotted key (`scan.rate`, `probes.snmp.enabled`) → raw string value. */
export type Overrides = Readonly<Record<string, unknown>>;

interface Problem {
  line: number | null;
  path: string;
  message: string;
}

export function loadConfig(file: string | null, overrides: Overrides = {}): Config {
  let text = '';
  if (file !== null) {
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new CamsweepError('E_CONFIG_READ', `cannot read config ${file}: ${(err as Error).message}`);
    }
  }
  return parseConfig(text, file ?? '<defaults>', overrides);
}

export function parseConfig(text: string, fileLabel: string, overrides: Overrides = {}): Config {
  const schema = configSchema();
  const problems: Problem[] = [];
  const yaml = parseYamlWithLines(text);
  for (const e of yaml.errors)
    problems.push({ line: e.line, path: '', message: `YAML syntax: ${e.message}` });

  // Start from defaults, then lay the file over them, then the flags.
  const result: Record<string, Record<string, unknown>> = {};
  for (const [name, spec] of Object.entries(schema.sections)) result[name] = defaultsOf(spec);
  const probeValues: Record<string, Record<string, unknown>> = {};
  for (const [id, spec] of Object.entries(schema.probes)) probeValues[id] = defaultsOf(spec);

  const lineOf = (node: unknown): number | null => yaml.lineOf(node);

  const root = yaml.root;
  if (yaml.errors.length === 0 && root !== null && !isMap(root)) {
    problems.push({
      line: lineOf(root as Node),
      path: '',
      message: 'the file must be a mapping of sections',
    });
  } else if (isMap(root)) {
    for (const pair of root.items) {
      const section = isScalar(pair.key) ? String(pair.key.value) : '';
      const line = lineOf(pair.key as Node);
      if (section === 'probes') {
        if (pair.value === null || pair.value === undefined) continue;
        if (!isMap(pair.value)) {
          problems.push({ line, path: 'probes', message: 'must be a mapping of probe ids' });
          continue;
        }
        for (const probePair of pair.value.items) {
          const id = isScalar(probePair.key) ? String(probePair.key.value) : '';
          const spec = schema.probes[id];
          if (!spec) {
            problems.push({
              line: lineOf(probePair.key as Node),
              path: `probes.${id}`,
              message: `unknown probe; known: ${Object.keys(schema.probes).join(', ')}`,
            });
            continue;
          }
          readSection(
            probePair.value as Node,
            spec,
            `probes.${id}`,
            probeValues[id]!,
            problems,
            lineOf,
            lineOf(probePair.key as Node),
          );
        }
        continue;
      }
      const spec = schema.sections[section];
      if (!spec) {
        problems.push({
          line,
          path: section,
          message: `unknown section; known: ${[...Object.keys(schema.sections), 'probes'].join(', ')}`,
        });
        continue;
      }
      readSection(pair.value as Node, spec, section, result[section]!, problems, lineOf, line);
    }
  }

  for (const [dotted, raw] of Object.entries(overrides)) {
    if (raw === undefined) continue;
    const parts = dotted.split('.');
    const isProbe = parts[0] === 'probes';
    const key = isProbe ? parts[2] : parts[1];
    const target = isProbe ? probeValues[parts[1] ?? ''] : result[parts[0] ?? ''];
    const spec =
      key === undefined
        ? undefined
        : isProbe
          ? schema.probes[parts[1] ?? '']?.[key]
          : schema.sections[parts[0] ?? '']?.[key];
    if (!target || !spec || !key) {
      problems.push({ line: null, path: dotted, message: 'unknown setting' });
      continue;
    }
    const r = coerceField(spec, raw);
    if ('error' in r) problems.push({ line: null, path: dotted, message: r.error });
    else target[key] = r.value;
  }

  if (problems.length > 0) {
    const text = problems
      .map((p) =>
        p.line === null ? `flag ${p.path}: ${p.message}` : `${fileLabel}:${p.line} ${p.path}: ${p.message}`,
      )
      .join('\n  ');
    throw new CamsweepError('E_CONFIG', `invalid configuration:\n  ${text}`);
  }
  const typed = <K extends keyof Sections>(name: K): SectionOf<Sections[K]> =>
    sectionOf(SECTIONS[name], result[name] ?? {});
  const agent = typed('agent');
  const probeSections: Record<string, ProbeSection> = {};
  for (const [id, values] of Object.entries(probeValues))
    probeSections[id] = { ...values, ...sectionOf(probeCommonSpec, values) };
  const config: Config = {
    agent: { ...agent, id: agent.id ?? hostname() },
    scan: typed('scan'),
    credentials: typed('credentials'),
    output: typed('output'),
    classify: typed('classify'),
    log: typed('log'),
    push: typed('push'),
    probes: probeSections,
  };
  return deepFreeze(config);
}

function defaultsOf(spec: ConfigSpec): Record<string, unknown> {
  return Object.fromEntries(Object.entries(spec).map(([k, f]) => [k, defaultOf(f)]));
}

function readSection(
  node: Node | null | undefined,
  spec: ConfigSpec,
  path: string,
  into: Record<string, unknown>,
  problems: Problem[],
  lineOf: (n: Node | null | undefined) => number | null,
  sectionLine: number | null,
): void {
  if (node === null || node === undefined || (isScalar(node) && node.value === null)) return;
  if (!isMap(node)) {
    problems.push({ line: sectionLine, path, message: 'must be a mapping of keys' });
    return;
  }
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    const field = spec[key];
    const line = lineOf(pair.key as Node);
    if (!field) {
      problems.push({
        line,
        path: `${path}.${key}`,
        message: `unknown key; known: ${Object.keys(spec).join(', ')}`,
      });
      continue;
    }
    const raw = pair.value === null || pair.value === undefined ? null : (pair.value as Node).toJSON();
    const r = coerceField(field, raw);
    if ('error' in r)
      problems.push({ line: lineOf(pair.value as Node) ?? line, path: `${path}.${key}`, message: r.error });
    else into[key] = r.value;
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Renders the documented example config from the schema (kept in agent/camsweep.example.yaml). */
export function renderExampleConfig(): string {
  const schema = configSchema();
  const out: string[] = [
    '# camsweep configuration. Every key is optional; the value shown is the default.',
    '# Durations are written like 500ms, 2s, 5m, 1h. Flags on the command line override this file.',
    '# Regenerate this file after adding a key: npm run build && node dist/agent/config-example.js > agent/camsweep.example.yaml',
    '',
  ];
  const renderField = (indent: string, key: string, f: FieldSpec) => {
    out.push(`${indent}# ${f.doc}`);
    out.push(`${indent}${key}: ${renderValue(f)}`);
  };
  for (const [name, spec] of Object.entries(schema.sections)) {
    out.push(`${name}:`);
    for (const [key, f] of Object.entries(spec)) renderField('  ', key, f);
    out.push('');
  }
  out.push('# One section per probe (src/agent/probes/<id>/README.md says what each sends, where).');
  out.push('probes:');
  for (const [id, spec] of Object.entries(schema.probes)) {
    out.push(`  ${id}:`);
    for (const [key, f] of Object.entries(spec)) renderField('    ', key, f);
  }
  return `${out.join('\n')}\n`;
}

function renderValue(f: FieldSpec): string {
  const v = f.default;
  if (v === null) return 'null';
  if (Array.isArray(v))
    return `[${v.map((x) => (typeof x === 'string' ? JSON.stringify(x) : String(x))).join(', ')}]`;
  if (typeof v === 'string')
    return /^[\w./:-]+$/.test(v) && !['true', 'false', 'null'].includes(v) ? v : JSON.stringify(v);
  return String(v);
}
