/**
 * What every subcommand receives. Commands write human and machine output to `stdout`,
 * diagnostics to the pino `log` (stderr), and return their exit code instead of calling
 * process.exit, so tests can drive them in-process.
 */
import type { Logger } from '../../src/core/log.js';

export interface CommandIO {
  readonly stdin: NodeJS.ReadableStream;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  /** stdout is a terminal: show tables and progress lines rather than machine formats. */
  readonly isTTY: boolean;
  readonly log: Logger;
  readonly env: NodeJS.ProcessEnv;
  /** Aborted on SIGINT/SIGTERM; long commands stop at once and still write what they have. */
  readonly signal: AbortSignal;
}

export type CommandMain = (argv: string[], io: CommandIO) => Promise<number>;
