/**
 * Finds the rules engineer's `verifyRules(): Problem[]` (src/classify/verify.ts) at run time,
 * so `camsweep verify` works before that module exists and picks it up once it lands.
 */
import type { Problem } from './problem.js';

export interface RulesVerifier {
  readonly verify: (() => Problem[]) | null;
  /** Why the rules were not checked, when `verify` is null. */
  readonly reason: string;
}

const MODULE = '../classify/verify.js';

export async function loadRulesVerifier(): Promise<RulesVerifier> {
  let mod: { verifyRules?: unknown };
  try {
    mod = (await import(MODULE)) as { verifyRules?: unknown };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    // Only "the module is not there yet" is expected; a broken module is a real failure.
    if (e.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('classify')) {
      return { verify: null, reason: 'src/classify/verify.ts is not present yet' };
    }
    throw err;
  }
  if (typeof mod.verifyRules !== 'function')
    return { verify: null, reason: 'src/classify/verify.ts does not export verifyRules()' };
  const fn = mod.verifyRules as () => Problem[];
  return { verify: () => fn(), reason: '' };
}
