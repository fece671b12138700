/**
 * Tear-down of the labs this process owns when it exits for any reason it can still react
 * to: normal exit, an uncaught error, Ctrl-C, SIGTERM, SIGHUP. SIGKILL leaves the state file
 * behind instead, and the next lab build (or `npm run lab -- down`) reaps it.
 */
import { type LabState, teardownSync } from './state.js';

const owned = new Map<string, LabState>();
let installed = false;

function teardownOwned(): void {
  for (const state of owned.values()) teardownSync(state);
  owned.clear();
}

const SIGNAL_EXIT: Record<string, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

export function own(state: LabState): void {
  owned.set(state.id, state);
  if (installed) return;
  installed = true;
  process.on('exit', teardownOwned);
  for (const [sig, code] of Object.entries(SIGNAL_EXIT)) {
    process.once(sig, () => {
      teardownOwned();
      process.exit(code);
    });
  }
}

/** Tears one owned lab down now; throws when a namespace would not go. */
export function release(state: LabState): void {
  owned.delete(state.id);
  const left = teardownSync(state);
  if (left.length > 0) throw new Error(`lab ${state.id}: could not delete namespaces ${left.join(', ')}`);
}
