/** Helpers the attack scenarios share: child collectors, peak memory, HTTP with cookies. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Outcome {
  readonly tries: number;
  readonly held: boolean;
  readonly detail: string;
}

export interface Scenario {
  readonly name: string;
  /** The issue 14 item it reproduces. */
  readonly item: string;
  run(ctx: Context): Promise<Outcome>;
}

export interface Context {
  /** The camsweep tree under attack (its dist/ is imported or run). */
  readonly root: string;
  /** Fewer tries where a scenario is costly (CI). */
  readonly quick: boolean;
  readonly work: string;
}

const here = dirname(fileURLToPath(import.meta.url));

/** A helper process script, compiled: under vitest this module runs from source, so use dist/. */
export function childScript(name: string): string {
  const compiled = here.split(/[\\/]/).includes('dist')
    ? here
    : join(here, '..', '..', 'dist', 'test', 'attack');
  return join(compiled, name);
}

export function workDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface ChildCollector {
  readonly url: string;
  readonly tokens: { readonly a: string; readonly b: string };
  readonly pid: number;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts a collector process from ctx.root on a SQLite file; `fresh` seeds tokens and a user. */
export async function startChildCollector(
  ctx: Context,
  db: string,
  options: { fresh?: boolean; port?: number } = {},
): Promise<ChildCollector> {
  const child = spawn(
    process.execPath,
    [
      childScript('collector-child.js'),
      JSON.stringify({ root: ctx.root, db, fresh: options.fresh ?? true, port: options.port }),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const line = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(buf.slice(0, nl));
    });
    child.once('exit', (code) => reject(new Error(`collector child exited (${code}) before it listened`)));
  });
  const info = JSON.parse(line) as { url: string; tokens: { a: string; b: string }; pid: number };
  return {
    ...info,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}

/** Peak resident memory of a process so far (VmHWM), in MiB. */
export function peakRssMiB(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Cookie jar of one browser-less client. */
export class Client {
  private readonly cookies = new Map<string, string>();
  constructor(readonly base: string) {}

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0)
      headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(`${this.base}${path}`, { ...init, headers, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  /** GET /login for its CSRF token; returns the token. */
  async loginForm(): Promise<string> {
    const html = await (await this.request('/login')).text();
    return /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
  }

  async postForm(path: string, fields: Record<string, string>): Promise<Response> {
    return this.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  }

  async login(username: string, password: string): Promise<number> {
    const csrf = await this.loginForm();
    const res = await this.postForm('/login', { username, password, _csrf: csrf });
    await res.arrayBuffer();
    return res.status;
  }

  /** The session's CSRF token from a signed-in page. */
  async sessionCsrf(): Promise<string> {
    const html = await (await this.request('/')).text();
    return /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
  }
}

export const ADMIN = { username: 'auditor', password: 'correct horse battery staple' };

/** A minimal valid report for a site, with optional device overrides. */
export function report(
  site: string,
  devices: object[] = [],
  reportId: string = crypto.randomUUID(),
): Record<string, unknown> {
  const now = new Date().toISOString();
  return {
    schema: 'camsweep.report/v1',
    reportId,
    agent: { id: 'attack-agent', site, version: '0.1.0' },
    scan: {
      startedAt: now,
      finishedAt: now,
      targets: ['10.20.0.0/24'],
      probes: ['tcp'],
      rulesVersion: 'attack',
    },
    summary: {
      hosts: devices.length,
      devices: devices.length,
      covered: 0,
      suspect: 0,
      notCovered: 0,
      unknown: devices.length,
    },
    devices,
  };
}

export function device(
  ip: string,
  strings: { model?: string; firmware?: string; banner?: string; host?: string } = {},
) {
  return {
    ip,
    mac: null,
    hostnames: strings.host ? [strings.host] : [],
    identity: {
      manufacturer: null,
      brand: null,
      deviceType: null,
      model: strings.model ?? null,
      firmware: strings.firmware ?? null,
      serial: null,
      confidence: 0.1,
    },
    verdict: 'unknown',
    findings: [],
    evidence: strings.banner ? [{ probe: 'tcp', key: 'ftp.banner', value: strings.banner, port: 21 }] : [],
  };
}

export async function postReport(
  base: string,
  token: string,
  body: string | object,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${base}/api/v1/reports`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { raw: text.slice(0, 200) };
  }
  return { status: res.status, json };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
