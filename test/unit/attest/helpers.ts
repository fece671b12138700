import { PassThrough } from 'node:stream';
import type { CommandIO } from '../../../agent/commands/io.js';
import { silentLogger } from '../../../src/core/log.js';

/** Runs a subcommand in-process and returns its exit code and what it printed. */
export async function runCommand(
  main: (argv: string[], io: CommandIO) => Promise<number>,
  argv: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = new PassThrough();
  const err = new PassThrough();
  out.on('data', (c) => {
    stdout += String(c);
  });
  err.on('data', (c) => {
    stderr += String(c);
  });
  const io: CommandIO = {
    stdin: new PassThrough(),
    stdout: out,
    stderr: err,
    isTTY: false,
    log: silentLogger,
    env: {},
    signal: new AbortController().signal,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}
