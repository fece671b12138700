/**
 * The device filter shared by the device list and the exports: one querystring schema, so a
 * repeated or unknown-valued parameter is refused (400) before any query runs or any export
 * byte is sent.
 */

import type { Verdict } from '../../contract/types.js';
import { type DeviceFilter, REMEDIATION_STATES, type RemediationState, VERDICTS } from '../store/queries.js';

export const MAX_PAGE = 100_000;

const filterProperties = {
  // '' is what the filter form sends for "all".
  site: { type: 'string', maxLength: 128 },
  verdict: { type: 'string', enum: ['', ...VERDICTS] },
  state: { type: 'string', enum: ['', ...REMEDIATION_STATES] },
  q: { type: 'string', maxLength: 128 },
} as const;

export const filterQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: filterProperties,
} as const;

export const pagedFilterQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { ...filterProperties, page: { type: 'integer', minimum: 1, maximum: MAX_PAGE } },
} as const;

export interface FilterQuery {
  readonly site?: string;
  readonly verdict?: string;
  readonly state?: string;
  readonly q?: string;
  readonly page?: number;
}

/** The validated querystring as a filter; empty values mean "all". */
export function toFilter(query: FilterQuery): DeviceFilter {
  return {
    site: query.site || undefined,
    verdict: (query.verdict || undefined) as Verdict | undefined,
    state: (query.state || undefined) as RemediationState | undefined,
    q: query.q || undefined,
  };
}

export function filterQuery(filter: DeviceFilter, page?: number): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(filter)) if (v) params.set(k, String(v));
  if (page && page > 1) params.set('page', String(page));
  return params.toString();
}
