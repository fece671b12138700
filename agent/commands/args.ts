/**
 * Flag parsing shared by every subcommand: strict node:util parseArgs, `-h/--help` added to
 * each command, and a usage error that says what was wrong (exit 2) instead of a stack trace.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { CamsweepError } from '../../src/core/errors.js';
import type { CommandIO } from './io.js';

type Options = NonNullable<ParseArgsConfig['options']>;
const HELP_FLAG = { help: { type: 'boolean', short: 'h' } } as const;

/**
 * Parses `argv`; prints `help` and returns null when -h/--help was given. With
 * `positionals: false`, any bare argument is a usage error rather than silently ignored.
 */
export function parseCommandArgs<const O extends Options>(
  argv: string[],
  options: O,
  help: string,
  io: CommandIO,
  { positionals = true }: { positionals?: boolean } = {},
) {
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; options: O & typeof HELP_FLAG; allowPositionals: true; strict: true }>
  >;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...options, ...HELP_FLAG },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new CamsweepError('E_USAGE', (err as Error).message);
  }
  if ((parsed.values as { help?: boolean }).help) {
    io.stdout.write(help);
    return null;
  }
  if (!positionals && parsed.positionals.length > 0)
    throw new CamsweepError('E_USAGE', `unexpected argument "${parsed.positionals[0]}"`);
  return parsed;
}
