/**
 * /api/v1/openapi.json is a valid OpenAPI 3.1 document (checked against the specification's
 * own JSON Schema by @seriousme/openapi-schema-validator), documents exactly the /api/ routes
 * the collector serves, and tells the truth: real answers of every documented operation, and
 * its refusals, validate against the response schema the document gives for their status.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addFormats } from '../../src/contract/ajv-formats.js';
import { type ApiWorld, apiGet, startApiWorld } from './api-fixture.js';
import { hikvisionCamera, makeReport } from './fixtures.js';
import { servedRoutes, tempDir } from './harness.js';

interface Operation {
  readonly security?: unknown[];
  readonly responses: Record<string, { content?: { 'application/json'?: { schema: object } } }>;
}
type Doc = { paths: Record<string, Record<string, Operation>>; components: object };

describe('OpenAPI document', () => {
  const dir = tempDir('csw-openapi-');
  let w: ApiWorld;
  let doc: Doc;
  beforeAll(async () => {
    w = await startApiWorld(`${dir.path}/c.db`);
    const res = await apiGet(w.app, '/api/v1/openapi.json', null);
    expect(res.statusCode).toBe(200);
    doc = res.json() as Doc;
  });
  afterAll(async () => {
    await w?.close();
    dir.remove();
  });

  /** One real request per documented operation ("METHOD /path" as in the document), with the status it answers. */
  const examples = (): Record<string, { request: InjectOptions; status: number }[]> => {
    const auditor = { authorization: `Bearer ${w.tokens.auditor}` };
    const get = (url: string, status = 200, headers: Record<string, string> = auditor) => ({
      request: { method: 'GET' as const, url, headers },
      status,
    });
    return {
      'GET /api/v1/health': [get('/api/v1/health', 200, {})],
      'POST /api/v1/reports': [
        {
          request: {
            method: 'POST',
            url: '/api/v1/reports',
            headers: { authorization: `Bearer ${w.agentToken}`, 'content-type': 'application/json' },
            payload: JSON.stringify(makeReport([hikvisionCamera()], { site: 'city-hall' })),
          },
          status: 201,
        },
        {
          request: { method: 'POST', url: '/api/v1/reports', headers: auditor, payload: {} },
          status: 401,
        },
      ],
      'GET /api/v1/devices': [
        get('/api/v1/devices?limit=3'),
        get('/api/v1/devices?limit=9999', 400),
        get('/api/v1/devices', 401, {}),
        get('/api/v1/devices', 401, { authorization: `Bearer ${w.tokens.revoked}` }),
      ],
      'GET /api/v1/devices/{id}': [
        get(`/api/v1/devices/${w.ids.hostile}`),
        get('/api/v1/devices/424242', 404),
      ],
      'GET /api/v1/findings': [get('/api/v1/findings?limit=2')],
      'GET /api/v1/coverage': [get('/api/v1/coverage')],
      'GET /api/v1/sites': [get('/api/v1/sites')],
      'GET /api/v1/audit': [
        get('/api/v1/audit?limit=5'),
        get('/api/v1/audit', 403, { authorization: `Bearer ${w.tokens.viewer}` }),
      ],
      'GET /api/v1/openapi.json': [get('/api/v1/openapi.json', 200, {})],
    };
  };

  const documented = () =>
    Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );

  it('validates against the OpenAPI 3.1 schema', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc));
    expect(result.errors ?? [], JSON.stringify(result.errors)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('documents exactly the /api/ routes the collector serves', () => {
    const served = servedRoutes(w.app.printRoutes({ commonPrefix: false }))
      .filter((r) => r.split(' ')[1]!.startsWith('/api/'))
      .map((r) => r.replace(/:(\w+)/g, '{$1}'))
      .sort();
    expect(documented().sort()).toEqual(served);
    expect(served.length).toBeGreaterThanOrEqual(9);
  });

  it('asks for an API token on every read route and for nothing on the document and health check', () => {
    for (const [key, op] of documented().map((k) => {
      const [method, path] = k.split(' ') as [string, string];
      return [k, doc.paths[path]![method.toLowerCase()]!] as const;
    })) {
      const expected =
        key.endsWith('/health') || key.endsWith('/openapi.json') ? undefined : expect.anything();
      expect(op.security, key).toEqual(expected);
    }
  });

  it('answers every documented operation with a body its documented schema accepts', async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    const cases = examples();
    expect(Object.keys(cases).sort(), 'an example request for every documented operation').toEqual(
      documented().sort(),
    );
    for (const [key, list] of Object.entries(cases)) {
      const [method, path] = key.split(' ') as [string, string];
      const op = doc.paths[path]![method.toLowerCase()]!;
      for (const { request, status } of list) {
        const res = await w.app.inject(request);
        const where = `${key} ${request.url} → ${res.statusCode}`;
        expect(res.statusCode, where).toBe(status);
        const schema = op.responses[String(status)]?.content?.['application/json']?.schema;
        expect(schema, `${where}: documented response`).toBeDefined();
        const validate = ajv.compile({ ...schema, components: doc.components });
        const ok = validate(res.json());
        expect(ok ? [] : validate.errors, where).toEqual([]);
      }
    }
  });
});
