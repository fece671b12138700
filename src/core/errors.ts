/**
 * One catalogue of stable error codes. Network outcomes (timeout, refused, malformed reply)
 * are data and never become these; these are for bad input, bad config, missing permission
 * and bugs. Every entry says how to fix it, because the person reading it is an IT admin at
 * a console, not a developer.
 */

export const EXIT = Object.freeze({ ok: 0, failure: 1, usage: 2, found: 3 });

interface CodeInfo {
  readonly exit: number;
  readonly fix: string;
}

export const errorCatalogue = {
  E_USAGE: { exit: EXIT.usage, fix: 'run `camsweep --help` for the accepted commands and flags' },
  E_CONFIG: {
    exit: EXIT.usage,
    fix: 'correct the named key; agent/camsweep.example.yaml documents every key',
  },
  E_CONFIG_READ: { exit: EXIT.usage, fix: 'check the path given to --config and that the file is readable' },
  E_TARGET: { exit: EXIT.usage, fix: 'give targets as 10.0.0.5, 10.0.0.0/24 or 10.0.0.1-10.0.0.50' },
  E_SCOPE_EMPTY: {
    exit: EXIT.usage,
    fix: 'give private targets explicitly, connect an interface to a private subnet, or pass --allow-public for public addresses you own',
  },
  E_SCOPE_PUBLIC: {
    exit: EXIT.usage,
    fix: 'pass --allow-public only for public addresses you are authorised to scan',
  },
  E_SCOPE_TOO_LARGE: { exit: EXIT.usage, fix: 'narrow the targets or raise scan.maxHosts in the config' },
  E_SCAN_TOO_LONG: {
    exit: EXIT.usage,
    fix: 'raise --timeout or --rate, narrow the targets, or use two-phase discovery (the default)',
  },
  E_PERMISSION: {
    exit: EXIT.failure,
    fix: 'run with the needed capability (see the README section on permissions)',
  },
  E_INPUT: { exit: EXIT.usage, fix: 'check the input file or stream is in the documented format' },
  E_COLLECTOR: { exit: EXIT.failure, fix: 'check the collector URL, its certificate and the agent token' },
  E_SIGNATURES: { exit: EXIT.failure, fix: 'run `camsweep verify` and fix the reported lines' },
  E_INTERNAL: { exit: EXIT.failure, fix: 'this is a bug in camsweep; please report it with the log' },
} as const satisfies Record<string, CodeInfo>;

export type ErrorCode = keyof typeof errorCatalogue;

export class CamsweepError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  readonly fix: string;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; fix?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CamsweepError';
    this.code = code;
    this.exitCode = errorCatalogue[code].exit;
    this.fix = options?.fix ?? errorCatalogue[code].fix;
  }
}

/** The text a person sees: what went wrong, then how to fix it. */
export function describeError(err: unknown): { text: string; exitCode: number } {
  if (err instanceof CamsweepError) {
    return { text: `camsweep: ${err.message}\n  fix: ${err.fix} [${err.code}]`, exitCode: err.exitCode };
  }
  const e = err as NodeJS.ErrnoException;
  if (e && (e.code === 'EACCES' || e.code === 'EPERM')) {
    return {
      text: `camsweep: permission denied: ${e.message}\n  fix: ${errorCatalogue.E_PERMISSION.fix} [E_PERMISSION]`,
      exitCode: EXIT.failure,
    };
  }
  const message = e instanceof Error ? (e.stack ?? e.message) : String(err);
  return {
    text: `camsweep: internal error: ${message}\n  fix: ${errorCatalogue.E_INTERNAL.fix}`,
    exitCode: EXIT.failure,
  };
}
