/**
 * One namespace with a single wired interface and nothing else: for checking what camsweep
 * does on a host whose only network is not private (e.g. 198.51.100.2/24, TEST-NET-2).
 * The interface's peer sits in a second namespace, so the link has carrier like a real NIC;
 * there is no route beyond the subnet. Torn down like a lab (same state file, same reaping).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { own, release } from './cleanup.js';
import { type ExecOptions, type ExecResult, execIn, findRepoRoot, reapStaleLabs } from './lab.js';
import { addNamespace, ip, ipBatch, linkStats, waitForCarrier } from './netns.js';
import { type LabState, saveState, stateRoot } from './state.js';

export interface StandaloneHost {
  readonly ns: string;
  readonly iface: 'eth0';
  exec(cmd: string, args: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /** Packets sent so far from `eth0`. */
  txPackets(): Promise<number>;
  down(): Promise<void>;
}

export async function buildStandaloneHost(options: {
  address: string;
  peerAddress: string;
  repoRoot?: string;
}): Promise<StandaloneHost> {
  const repoRoot = options.repoRoot ?? findRepoRoot();
  reapStaleLabs(repoRoot);
  const id = randomBytes(3).toString('hex');
  const hostNs = `csl${id}-host`;
  const peerNs = `csl${id}-peer`;
  const state: LabState = {
    id,
    createdAt: new Date().toISOString(),
    owner: process.pid,
    dir: join(stateRoot(repoRoot), id),
    namespaces: [peerNs, hostNs],
    scannerNs: hostNs,
    devices: [],
  };
  saveState(state);
  own(state);
  try {
    await Promise.all(state.namespaces.map(addNamespace));
    await ip(['-n', peerNs, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', hostNs]);
    await Promise.all([
      ipBatch(peerNs, ['link set lo up', `addr add ${options.peerAddress} dev eth0`, 'link set eth0 up']),
      ipBatch(hostNs, ['link set lo up', `addr add ${options.address} dev eth0`, 'link set eth0 up']),
    ]);
    await waitForCarrier(hostNs, 'eth0');
  } catch (err) {
    release(state);
    throw err;
  }
  return {
    ns: hostNs,
    iface: 'eth0',
    exec: (cmd, args, execOptions) => execIn(hostNs, cmd, args, execOptions),
    txPackets: async () => (await linkStats(hostNs)).find((l) => l.name === 'eth0')?.txPackets ?? Number.NaN,
    down: async () => release(state),
  };
}
