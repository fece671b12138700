/**
 * One lab device: `ip netns exec <ns> node dist/test/lab/device.js <fixtureDir> --ip A --iface I --mac M`.
 * Starts one simulator per key under `services:` in the fixture's device.yaml, prints one
 * JSON ready line on stdout ({started, missing, failed}), logs to stderr (the lab points it
 * at .lab-state/<id>/<device>.log), and stops every sim on SIGTERM/SIGINT.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadFixture } from './fixtures.js';
import type { RunningSim, SimModule } from './sims/types.js';

const STOP_TIMEOUT_MS = 2500;

function log(msg: string): void {
  process.stderr.write(`${new Date().toISOString()} ${msg}\n`);
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { ip: { type: 'string' }, iface: { type: 'string' }, mac: { type: 'string' } },
  });
  const fixtureDir = positionals[0];
  if (!fixtureDir || !values.ip || !values.iface) {
    throw new Error('usage: device.js <fixtureDir> --ip <address> --iface <name> [--mac <mac>]');
  }
  const fixture = loadFixture(fixtureDir);
  const base = {
    fixtureDir: fixture.dir,
    ip: values.ip,
    iface: values.iface,
    mac: values.mac ?? fixture.mac,
  };
  log(`device ${fixture.name} at ${base.ip} (${base.mac}) on ${base.iface}`);

  const running: { name: string; sim: RunningSim }[] = [];
  const missing: string[] = [];
  const failed: { name: string; error: string }[] = [];
  await Promise.all(
    Object.entries(fixture.services).map(async ([name, spec]) => {
      const file = fileURLToPath(new URL(`./sims/${name}.js`, import.meta.url));
      if (!existsSync(file)) {
        log(`no simulator for ${name} (test/lab/sims/${name}.ts does not exist yet); carrying on without it`);
        missing.push(name);
        return;
      }
      const simLog = (msg: string) => log(`[${name}] ${msg}`);
      try {
        const mod = (await import(file)) as SimModule;
        running.push({ name, sim: await mod.start({ ...base, spec, log: simLog }) });
        simLog('started');
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        simLog(`failed to start: ${error}`);
        failed.push({ name, error });
      }
    }),
  );
  const ready = { started: running.map((r) => r.name).sort(), missing: missing.sort(), failed };
  // The lab closes its end of the pipe once it has this line; later writes must not crash us.
  process.stdout.on('error', () => undefined);
  process.stdout.write(`${JSON.stringify(ready)}\n`);

  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    log(`stopping (${why})`);
    const timeout = new Promise((r) => setTimeout(r, STOP_TIMEOUT_MS).unref());
    await Promise.race([
      Promise.allSettled(
        running.map(({ name, sim }) => sim.stop().catch((e) => log(`[${name}] stop failed: ${e}`))),
      ),
      timeout,
    ]);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGHUP', () => void stop('SIGHUP'));
}

// A bug in one sim (an unhandled socket error) must not take the device's other services down.
process.on('uncaughtException', (err) => log(`uncaught error (a simulator bug): ${err.stack ?? err}`));
process.on('unhandledRejection', (err) => log(`unhandled rejection (a simulator bug): ${String(err)}`));

main().catch((err) => {
  log(`device runner failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
