/**
 * JSON Schema (draft 2020-12) of `camsweep.report/v1`. The agent validates every report it
 * writes against it and the collector validates every report it receives against the same
 * object, so the two can never drift apart. Device-supplied strings are capped here too: a
 * report is refused rather than stored with a megabyte banner.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { Report } from './types.js';

const str = (maxLength = 4096) => ({ type: 'string', maxLength }) as const;
const nullableStr = (maxLength = 1024) => ({ type: ['string', 'null'], maxLength }) as const;
const ipv4 = { type: 'string', format: 'ipv4' } as const;
const verdict = { enum: ['covered', 'suspect', 'not-covered', 'unknown'] } as const;
const deviceType = {
  enum: [
    'camera',
    'nvr',
    'dvr',
    'encoder',
    'intercom',
    'access-control',
    'thermal',
    'radio',
    'network',
    'drone',
    'other',
    null,
  ],
} as const;
const vocabId = { type: ['string', 'null'], pattern: '^[a-z0-9][a-z0-9-]*$', maxLength: 64 } as const;
const port = { type: 'integer', minimum: 0, maximum: 65535 } as const;
const isoTime = { type: 'string', format: 'date-time' } as const;

export const reportSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://camsweep.invalid/schema/report-v1.json',
  title: 'camsweep.report/v1',
  type: 'object',
  additionalProperties: false,
  required: ['schema', 'reportId', 'agent', 'scan', 'summary', 'devices'],
  properties: {
    schema: { const: 'camsweep.report/v1' },
    reportId: { type: 'string', format: 'uuid' },
    agent: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'site', 'version'],
      properties: { id: str(128), site: str(128), version: str(64) },
    },
    scan: {
      type: 'object',
      additionalProperties: false,
      required: ['startedAt', 'finishedAt', 'targets', 'probes', 'rulesVersion'],
      properties: {
        startedAt: isoTime,
        finishedAt: isoTime,
        targets: { type: 'array', maxItems: 4096, items: str(64) },
        probes: { type: 'array', maxItems: 64, items: str(32) },
        rulesVersion: str(64),
        rulesAsOf: { type: 'string', format: 'date' },
        rate: { type: 'number', minimum: 0 },
        exclusions: { type: 'array', maxItems: 4096, items: str(64) },
        profile: str(64),
        partial: { type: 'boolean' },
        probeStatus: {
          type: 'array',
          maxItems: 64,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['probe', 'outcome', 'observations', 'durationMs'],
            properties: {
              probe: str(32),
              outcome: { enum: ['ok', 'failed', 'aborted', 'skipped'] },
              observations: { type: 'integer', minimum: 0 },
              durationMs: { type: 'number', minimum: 0 },
              message: str(1024),
            },
          },
        },
      },
    },
    summary: {
      type: 'object',
      additionalProperties: false,
      required: ['hosts', 'devices', 'covered', 'suspect', 'notCovered', 'unknown'],
      properties: Object.fromEntries(
        ['hosts', 'devices', 'covered', 'suspect', 'notCovered', 'unknown'].map((k) => [
          k,
          { type: 'integer', minimum: 0 },
        ]),
      ),
    },
    devices: {
      type: 'array',
      maxItems: 70000,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['ip', 'mac', 'hostnames', 'identity', 'verdict', 'findings', 'evidence'],
        properties: {
          ip: ipv4,
          mac: { type: ['string', 'null'], pattern: '^[0-9a-f]{2}(:[0-9a-f]{2}){5}$' },
          hostnames: { type: 'array', maxItems: 32, items: str(255) },
          identity: {
            type: 'object',
            additionalProperties: false,
            required: ['manufacturer', 'brand', 'deviceType', 'model', 'firmware', 'serial', 'confidence'],
            properties: {
              manufacturer: vocabId,
              brand: vocabId,
              deviceType,
              model: nullableStr(256),
              firmware: nullableStr(256),
              serial: nullableStr(256),
              confidence: { type: 'number', minimum: 0, maximum: 1 },
              alternatives: {
                type: 'array',
                maxItems: 16,
                items: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['manufacturer', 'confidence'],
                  properties: {
                    manufacturer: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*$', maxLength: 64 },
                    confidence: { type: 'number', minimum: 0, maximum: 1 },
                  },
                },
              },
            },
          },
          verdict,
          findings: {
            type: 'array',
            maxItems: 64,
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['rule', 'title', 'citation', 'effective', 'basis'],
              properties: {
                rule: str(64),
                title: str(512),
                citation: str(1024),
                effective: { type: 'string', format: 'date' },
                basis: str(2048),
                status: { enum: ['applies', 'upcoming'] },
                authority: str(256),
                source: str(1024),
              },
            },
          },
          evidence: {
            type: 'array',
            maxItems: 512,
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['probe', 'key', 'value'],
              properties: {
                probe: str(32),
                key: str(256),
                value: str(8192),
                port,
                path: str(1024),
                signature: str(128),
              },
            },
          },
          risks: {
            type: 'array',
            maxItems: 64,
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['advisory', 'cve', 'title', 'kev', 'certainty', 'fixed', 'basis', 'source'],
              properties: {
                advisory: str(64),
                cve: { type: 'string', pattern: '^CVE-\\d{4}-\\d{4,7}$' },
                title: str(512),
                kev: { type: 'boolean' },
                certainty: { enum: ['affected', 'possible'] },
                fixed: str(1024),
                basis: str(2048),
                source: str(1024),
              },
            },
          },
          observations: {
            type: 'array',
            maxItems: 4096,
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['host', 'key', 'value', 'probe', 'at'],
              properties: {
                host: ipv4,
                key: str(256),
                value: str(65536),
                port,
                path: str(1024),
                probe: str(32),
                at: isoTime,
                iface: str(64),
              },
            },
          },
        },
      },
    },
  },
} as const;

export interface SchemaProblem {
  /** JSON pointer of the offending field, e.g. `/devices/0/ip`. */
  readonly field: string;
  readonly message: string;
}

// ajv-formats ships CommonJS with a default export; under NodeNext the callable sits on .default.
const addFormats =
  (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;
const ajv = new Ajv2020({ allErrors: true, strict: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const validate = ajv.compile(reportSchema);

/** Validates a report; returns the problems (empty when valid). */
export function checkReport(candidate: unknown): SchemaProblem[] {
  if (validate(candidate)) return [];
  return (validate.errors ?? []).slice(0, 20).map((e) => ({
    field: e.instancePath || '/',
    message: e.message ?? 'is invalid',
  }));
}

export function isReport(candidate: unknown): candidate is Report {
  return validate(candidate) as boolean;
}
