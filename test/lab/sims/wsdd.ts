/**
 * A Windows/Samba host announcing itself by WS-Discovery: Debian's real `wsdd` daemon
 * (docs/protocols.md §7.2). It is the lab's non-camera WSD peer: Types `wsdp:Device pub:Computer`,
 * Hello/Bye on 239.255.255.250:3702, answers only `wsdp:Device` probes.
 * Spec: `hostname` (NetBIOS name), `uuid`, optional `workgroup`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { RunningSim, SimContext } from './types.js';

export const requires = ['wsdd'];

const READY_TIMEOUT_MS = 5000;
const STOP_TIMEOUT_MS = 2000;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function exited(child: ChildProcess): Promise<void> {
  return new Promise((r) =>
    child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r()),
  );
}

export async function start(ctx: SimContext): Promise<RunningSim> {
  const { hostname, uuid, workgroup } = ctx.spec;
  if (typeof hostname !== 'string' || !/^[A-Za-z0-9-]{1,15}$/.test(hostname)) {
    throw new Error('wsdd: hostname must be a NetBIOS name (1–15 letters, digits, -)');
  }
  if (typeof uuid !== 'string' || !UUID_RE.test(uuid)) throw new Error('wsdd: uuid must be a UUID');
  const args = ['-i', ctx.iface, '-4', '-n', hostname, '-U', uuid, '-s', '-v', '-p'];
  if (typeof workgroup === 'string') args.push('-w', workgroup);

  const child = spawn('wsdd', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = [child.stdout, child.stderr].map((s) => createInterface({ input: s }));
  // wsdd logs "joined multicast group … on <ip>%<iface>" once it listens (verified with 0.7.0).
  const ready = new Promise<void>((resolvePromise, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`wsdd did not join the multicast group within ${READY_TIMEOUT_MS} ms`)),
      READY_TIMEOUT_MS,
    );
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run wsdd: ${err.message}; install with: apt-get install -y wsdd`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`wsdd exited early with code ${code}`));
    });
    for (const rl of lines) {
      rl.on('line', (line) => {
        ctx.log(`wsdd: ${line}`);
        if (line.includes('joined multicast group')) {
          clearTimeout(timer);
          resolvePromise();
        }
      });
    }
  });
  try {
    await ready;
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  child.removeAllListeners('exit');
  return {
    async stop() {
      // SIGTERM lets wsdd send its Bye; SIGKILL if it hangs.
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited(child);
      clearTimeout(timer);
    },
  };
}
