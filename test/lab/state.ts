/**
 * What a lab created, on disk, written before each step so a crashed or killed run can be
 * cleaned by `npm run lab -- down`, and tear-down that needs nothing but that record.
 * Tear-down is synchronous on purpose: it must also run from `process.on('exit')`.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  deleteNamespaceSync,
  namespaceExists,
  namespacePids,
  pidAlive,
  signalPid,
  sleepSync,
} from './netns.js';

export interface LabDeviceState {
  readonly name: string;
  readonly ns: string;
  readonly ip: string;
  readonly mac: string;
  readonly subnet: string;
  pid: number;
  readonly log: string;
}

export interface LabState {
  readonly id: string;
  readonly createdAt: string;
  /** Process that owns the lab and tears it down on exit; 0 for `lab up` (stays until `down`). */
  readonly owner: number;
  readonly dir: string;
  /** Every namespace, in creation order; recorded before it is created. */
  readonly namespaces: string[];
  readonly scannerNs: string;
  readonly devices: LabDeviceState[];
}

const GRACE_MS = 2000;

export function stateRoot(repoRoot: string): string {
  return process.env.CAMSWEEP_LAB_STATE ?? join(repoRoot, '.lab-state');
}

export function saveState(state: LabState): void {
  mkdirSync(state.dir, { recursive: true });
  const file = join(state.dir, 'state.json');
  writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

export function listStates(root: string): LabState[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  const out: LabState[] = [];
  for (const name of names.sort()) {
    try {
      out.push(JSON.parse(readFileSync(join(root, name, 'state.json'), 'utf8')) as LabState);
    } catch {
      // a folder without a readable state.json was never a lab, or is being written
    }
  }
  return out;
}

/** A lab whose owning process died without tearing it down. */
export function isStale(state: LabState): boolean {
  return state.owner > 0 && !pidAlive(state.owner);
}

/**
 * Stops every process in the lab's namespaces (SIGTERM, then SIGKILL after a grace period),
 * deletes the namespaces, and removes the state folder. Returns namespaces it could not delete.
 */
export function teardownSync(state: LabState, options: { keepLogs?: boolean } = {}): string[] {
  const pidsNow = () => state.namespaces.flatMap(namespacePids);
  // Device runners first, so sims get to stop their daemons (wsdd sends Bye) cleanly.
  for (const d of state.devices) if (d.pid > 0) signalPid(d.pid, 'SIGTERM');
  for (const pid of pidsNow()) signalPid(pid, 'SIGTERM');
  const until = Date.now() + GRACE_MS;
  while (pidsNow().length > 0 && Date.now() < until) sleepSync(50);
  for (const pid of pidsNow()) signalPid(pid, 'SIGKILL');
  // Devices before the lan namespace: deleting a namespace removes its veth ends.
  for (const ns of [...state.namespaces].reverse()) deleteNamespaceSync(ns);
  const left = state.namespaces.filter(namespaceExists);
  if (left.length === 0 && !options.keepLogs) rmSync(state.dir, { recursive: true, force: true });
  return left;
}
