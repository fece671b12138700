/** Shared bits for identify/verify tests: one identifier for the real signatures, a fake CommandIO. */
import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { CommandIO } from '../../../agent/commands/io.js';
import type { Observation } from '../../../src/contract/types.js';
import { silentLogger } from '../../../src/core/log.js';
import { type Identifier, loadIdentifier } from '../../../src/knowledge/identify/index.js';

let shared: Identifier | null = null;
export function identifier(): Identifier {
  shared ??= loadIdentifier();
  return shared;
}

/** Observations of one host from `[key, value]` pairs. */
export function obs(pairs: readonly (readonly [string, string])[], host = '10.0.0.9'): Observation[] {
  return pairs.map(([key, value]) => ({
    host,
    key,
    value,
    probe: key.split('.')[0]!,
    at: '2026-11-21T00:00:00Z',
  }));
}

export interface FakeIO {
  io: CommandIO;
  stdout: () => string;
  stderr: () => string;
}

export function fakeIO(input = ''): FakeIO {
  const stdin = new PassThrough();
  stdin.end(input);
  let out = '';
  let err = '';
  const stdout = new PassThrough();
  stdout.on('data', (d) => {
    out += String(d);
  });
  const stderr = new PassThrough();
  stderr.on('data', (d) => {
    err += String(d);
  });
  return {
    io: {
      stdin,
      stdout,
      stderr,
      isTTY: false,
      log: silentLogger,
      env: {},
      signal: new AbortController().signal,
    },
    stdout: () => out,
    stderr: () => err,
  };
}

/**
 * The accuracy corpus split (test/fixtures/corpus/OBSERVED.md): an entry is held out when the
 * first 32 bits of sha256(id) fall in the lowest 30%. Fixed, stable, blind to labels and values.
 */
export function isHeldOut(id: string): boolean {
  return createHash('sha256').update(id).digest().readUInt32BE(0) < 0.3 * 2 ** 32;
}
