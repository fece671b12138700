/**
 * The device filter shared by the device list and the exports: one querystring schema, so a
 * repeated or unknown-valued parameter is refused (400) before any query runs or any export
 * byte is sent.
 */

import type { Verdict } from '../../contract/types.js';
import {
  type DeviceFilter,
  REMEDIATION_STATES,
  type RemediationState,
  SORT_KEYS,
  type SortKey,
  VERDICTS,
} from '../store/queries.js';

export const MAX_PAGE = 100_000;

const filterProperties = {
  // '' is what the filter form sends for "all".
  site: { type: 'string', maxLength: 128 },
  verdict: { type: 'string', enum: ['', ...VERDICTS] },
  state: { type: 'string', enum: ['', ...REMEDIATION_STATES] },
  q: { type: 'string', maxLength: 128 },
  // Switch label as listed ("core-sw (10.0.0.5)"), VLAN id, and the list's sort column.
  switch: { type: 'string', maxLength: 300 },
  vlan: { type: 'string', pattern: '^(\\d{1,4})?$' },
  sort: { type: 'string', enum: ['', ...Object.keys(SORT_KEYS)] },
  dir: { type: 'string', enum: ['', 'asc', 'desc'] },
} as const;

export const filterQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: filterProperties,
} as const;

export const pagedFilterQuerySchema = {
  type: 'object',
  additionalProperties: false,
  // Digits only: as an integer, ajv's coercion lets `1e309` through as Infinity.
  properties: { ...filterProperties, page: { type: 'string', pattern: '^[1-9][0-9]{0,5}$' } },
} as const;

export interface FilterQuery {
  readonly site?: string;
  readonly verdict?: string;
  readonly state?: string;
  readonly q?: string;
  readonly switch?: string;
  readonly vlan?: string;
  readonly sort?: string;
  readonly dir?: string;
  readonly page?: string;
}

/** The validated page number, 1 when absent, at most MAX_PAGE. */
export function pageOf(query: FilterQuery): number {
  return Math.min(MAX_PAGE, Number(query.page ?? 1));
}

/** The validated querystring as a filter; empty values mean "all". */
export function toFilter(query: FilterQuery): DeviceFilter {
  return {
    site: query.site || undefined,
    verdict: (query.verdict || undefined) as Verdict | undefined,
    state: (query.state || undefined) as RemediationState | undefined,
    q: query.q || undefined,
    switch: query.switch || undefined,
    vlan: query.vlan ? Number(query.vlan) : undefined,
    sort: (query.sort || undefined) as SortKey | undefined,
    dir: query.sort ? (query.dir === 'desc' ? 'desc' : 'asc') : undefined,
  };
}

export function filterQuery(filter: DeviceFilter, page?: number): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(filter)) if (v !== undefined && v !== '') params.set(k, String(v));
  if (page && page > 1) params.set('page', String(page));
  return params.toString();
}
