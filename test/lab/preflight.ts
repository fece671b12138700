/**
 * Checks that the lab can be built here, before any namespace exists, and says how to fix
 * what is missing. Tests use `labSkipReason()`: outside CI they skip with that reason, in CI
 * (root, CI=true) they must run.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DeviceFixture } from './fixtures.js';
import { commandExists } from './netns.js';
import type { SimModule } from './sims/types.js';

export const INSTALL_HINT = 'install with: apt-get install -y iproute2 wsdd';

export class LabSetupError extends Error {
  override readonly name = 'LabSetupError';
}

export function distPaths(repoRoot: string): { deviceRunner: string; agentCli: string; sims: string } {
  const lab = join(repoRoot, 'dist', 'test', 'lab');
  return {
    deviceRunner: join(lab, 'device.js'),
    agentCli: join(repoRoot, 'dist', 'agent', 'cli.js'),
    sims: join(lab, 'sims'),
  };
}

/** Why the lab cannot run here, or null when it can. Cheap: no namespace is created. */
export async function labSkipReason(): Promise<string | null> {
  if (process.platform !== 'linux') return 'the lab needs Linux network namespaces';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return 'the lab needs root (CAP_NET_ADMIN) to create network namespaces; run as root or in CI';
  }
  if (!(await commandExists('ip'))) return `\`ip\` (iproute2) is not installed; ${INSTALL_HINT}`;
  return null;
}

/** Programs the fixtures' simulators need (their optional `requires` export). */
async function requiredPrograms(
  fixtures: readonly DeviceFixture[],
  simsDir: string,
): Promise<Map<string, string[]>> {
  const need = new Map<string, string[]>();
  const names = new Set(fixtures.flatMap((f) => Object.keys(f.services)));
  for (const name of names) {
    const file = join(simsDir, `${name}.js`);
    if (!existsSync(file)) continue; // reported per device as "no simulator for <name>"
    const mod = (await import(file)) as Partial<SimModule>;
    for (const program of mod.requires ?? []) need.set(program, [...(need.get(program) ?? []), name]);
  }
  return need;
}

export async function preflight(repoRoot: string, fixtures: readonly DeviceFixture[]): Promise<void> {
  const reason = await labSkipReason();
  if (reason) throw new LabSetupError(reason);
  const paths = distPaths(repoRoot);
  if (!existsSync(paths.deviceRunner)) {
    throw new LabSetupError(`${paths.deviceRunner} is missing; run \`npm run build\` first`);
  }
  const missing: string[] = [];
  for (const [program, sims] of await requiredPrograms(fixtures, paths.sims)) {
    if (!(await commandExists(program))) missing.push(`${program} (for sim ${sims.join(', ')})`);
  }
  if (missing.length > 0) throw new LabSetupError(`missing programs: ${missing.join('; ')}; ${INSTALL_HINT}`);
}
