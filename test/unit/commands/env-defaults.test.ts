/**
 * The environment variables the docs and `--help` promise for defaults: systemd's
 * CONFIGURATION_DIRECTORY and STATE_DIRECTORY (set by ConfigurationDirectory= and
 * StateDirectory= in the units), and CAMSWEEP_COLLECTOR_DB (keeps a database URL out of `ps`).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run as agent } from '../../../agent/commands/agent.js';
import { run as collector } from '../../../agent/commands/collector.js';
import { fakeIO } from '../identify/helpers.js';

const work = mkdtempSync(join(tmpdir(), 'camsweep-env-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function withEnv(env: NodeJS.ProcessEnv) {
  const f = fakeIO();
  return { ...f, io: { ...f.io, env } };
}

describe('defaults from the environment', () => {
  it('agent status reads the config in $CONFIGURATION_DIRECTORY and, without one, the state in $STATE_DIRECTORY', async () => {
    const conf = mkdtempSync(join(work, 'conf-'));
    const stateFromConfig = join(work, 'state-from-config');
    writeFileSync(join(conf, 'camsweep.yaml'), `agent:\n  stateDir: ${stateFromConfig}\n`);
    const a = withEnv({ CONFIGURATION_DIRECTORY: conf });
    expect(await agent(['status'], a.io)).toBe(1);
    expect(a.stdout()).toContain(`no status at ${join(stateFromConfig, 'agent-status.json')}`);

    const state = join(work, 'state-from-env');
    const b = withEnv({ STATE_DIRECTORY: state, CONFIGURATION_DIRECTORY: join(work, 'no-such-dir') });
    expect(await agent(['status'], b.io)).toBe(1);
    expect(b.stdout()).toContain(`no status at ${join(state, 'agent-status.json')}`);
  });

  it('the collector keeps its database at $CAMSWEEP_COLLECTOR_DB, else in $STATE_DIRECTORY', async () => {
    const db = join(work, 'named.db');
    const a = withEnv({ CAMSWEEP_COLLECTOR_DB: db, STATE_DIRECTORY: join(work, 'ignored') });
    expect(await collector(['token', 'create', '--site', 'city-hall'], a.io)).toBe(0);
    expect(existsSync(db)).toBe(true);
    expect(existsSync(join(work, 'ignored', 'collector.db'))).toBe(false);

    const state = mkdtempSync(join(work, 'collector-state-'));
    const b = withEnv({ STATE_DIRECTORY: state });
    expect(await collector(['token', 'create', '--site', 'city-hall'], b.io)).toBe(0);
    expect(existsSync(join(state, 'collector.db'))).toBe(true);
  });

  it('the collector takes its time zone from $CAMSWEEP_TIME_ZONE and refuses an unknown one before serving', async () => {
    const a = withEnv({
      CAMSWEEP_COLLECTOR_DB: join(work, 'tz.db'),
      CAMSWEEP_TIME_ZONE: 'Mars/Olympus_Mons',
    });
    await expect(collector(['serve', '--listen', '127.0.0.1:0'], a.io)).rejects.toThrow(/Mars\/Olympus_Mons/);
  });
});
