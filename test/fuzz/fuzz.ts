/**
 * A small seeded mutation fuzzer for camsweep's parsers. Inputs start from real captures in
 * test/fixtures, get one to four byte-level mutations (bit flips, boundary bytes, deletions,
 * duplications, splices, grammar tokens such as XML entities and CRLF runs, and repeated runs
 * that grow an input toward 16 KiB to test that codecs are bounded), and go to the target.
 * A failure is an exception the target does not allow, an input that takes over 500 ms of CPU, or an
 * output over 1 MiB. Failing inputs are saved under test/fixtures/fuzz/<target>/ and replayed
 * first on every later run. CI uses a fixed seed; locally the seed is random and printed.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const FIXED_SEED = 0x14f022;
export const MAX_INPUT = 16 * 1024;
const SLOW_MS = 500;
const MAX_OUTPUT_CHARS = 1 << 20;

export interface FuzzTarget {
  readonly name: string;
  readonly seeds: readonly Buffer[];
  /** Parses one input; may return anything (its size is checked). */
  run(input: Buffer): unknown;
  /** Exceptions that are the parser's documented refusal (e.g. CamsweepError), not a crash. */
  allowed?(err: unknown): boolean;
  /** Longest one input may take (default 500 ms). */
  readonly slowMs?: number;
  /** Largest mutated input (default MAX_INPUT). */
  readonly maxInput?: number;
}

export interface FuzzResult {
  readonly inputs: number;
  readonly failures: readonly { readonly file: string; readonly why: string }[];
  readonly slowestMs: number;
}

export function fuzzSeed(): number {
  const env = process.env.CAMSWEEP_FUZZ_SEED;
  if (env) return Number(env) >>> 0;
  if (process.env.CI === 'true' || process.env.CI === '1') return FIXED_SEED;
  return (Math.random() * 2 ** 32) >>> 0;
}

export function fuzzCount(): number {
  return Number(process.env.CAMSWEEP_FUZZ_COUNT ?? 100_000);
}

/** mulberry32: small, fast, and the same sequence everywhere for a seed. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BOUNDARY = [
  0x00, 0xff, 0x7f, 0x80, 0x0a, 0x0d, 0x3c, 0x3e, 0x26, 0x22, 0x27, 0x3a, 0x3d, 0x7b, 0x5b, 0x5c, 0x25,
];
const TOKENS = [
  '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>',
  '&a;&b;&amp;&#0;&#x110000;&#99999999;',
  '<![CDATA[',
  ']]>',
  '<!--',
  '-->',
  '</',
  '<a:b xmlns:a="x">',
  '\r\n\r\n',
  '\r\n',
  'Content-Length: 99999999\r\n',
  'WWW-Authenticate: Digest realm="',
  '%00%ff%',
  '\\u0000\\ud800',
  '{"',
  '[[[[[[[[[[',
  '}}}}]]]]',
  '9007199254740993',
  '-1e999',
  '\u202e\u0000',
  '\uff1d',
  ': &x\n',
  '*x',
  '!!binary ',
  '<<: ',
  '---\n',
  '"\\',
];

export function mutate(
  input: Buffer,
  next: () => number,
  pool: readonly Buffer[],
  maxInput = MAX_INPUT,
): Buffer {
  let b = input;
  const steps = 1 + Math.floor(next() * 4);
  const at = (len: number) => Math.floor(next() * (len + 1));
  for (let s = 0; s < steps; s++) {
    const i = at(b.length);
    // Growth (case 8) is drawn a quarter as often as the other mutations.
    const pick = next() * 8.25;
    switch (Math.floor(pick)) {
      case 0: {
        if (b.length === 0) break;
        const c = Buffer.from(b);
        const j = Math.min(i, c.length - 1);
        c[j] = c[j]! ^ (1 << Math.floor(next() * 8));
        b = c;
        break;
      }
      case 1: {
        if (b.length === 0) break;
        const c = Buffer.from(b);
        c[Math.min(i, c.length - 1)] = BOUNDARY[Math.floor(next() * BOUNDARY.length)]!;
        b = c;
        break;
      }
      case 2: {
        const len = Math.floor(next() * Math.min(64, b.length - i + 1));
        b = Buffer.concat([b.subarray(0, i), b.subarray(i + len)]);
        break;
      }
      case 3: {
        const len = Math.floor(next() * Math.min(256, b.length - i + 1));
        b = Buffer.concat([b.subarray(0, i + len), b.subarray(i, i + len), b.subarray(i + len)]);
        break;
      }
      case 4: {
        const bytes = Buffer.alloc(1 + Math.floor(next() * 16));
        for (let k = 0; k < bytes.length; k++) bytes[k] = Math.floor(next() * 256);
        b = Buffer.concat([b.subarray(0, i), bytes, b.subarray(i)]);
        break;
      }
      case 5:
        b = b.subarray(0, i);
        break;
      case 6: {
        const other = pool[Math.floor(next() * pool.length)]!;
        const j = at(other.length);
        b = Buffer.concat([b.subarray(0, i), other.subarray(j, j + Math.floor(next() * 512))]);
        break;
      }
      case 7: {
        const token = Buffer.from(TOKENS[Math.floor(next() * TOKENS.length)]!);
        b = Buffer.concat([b.subarray(0, i), token, b.subarray(i)]);
        break;
      }
      case 8: {
        // Grow by repeating a short run: codecs must stay bounded in time and output.
        const len = 1 + Math.floor(next() * Math.min(32, Math.max(1, b.length - i)));
        const run = b.subarray(i, i + len);
        const times = Math.floor(next() * 2048);
        if (run.length > 0)
          b = Buffer.concat([
            b.subarray(0, i),
            Buffer.alloc(Math.min(MAX_INPUT, run.length * times), run),
            b.subarray(i),
          ]);
        break;
      }
    }
    if (b.length > maxInput) b = b.subarray(0, maxInput);
  }
  return b;
}

function regressionDir(name: string): string {
  return join(process.cwd(), 'test', 'fixtures', 'fuzz', name);
}

/**
 * CPU time of this process, not wall time: CI machines are shared, and another job's load must
 * not look like a hang here.
 */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function check(target: FuzzTarget, input: Buffer): { why: string | null; ms: number } {
  const t = cpuMs();
  let why: string | null = null;
  try {
    const out = target.run(input);
    const size =
      out === undefined
        ? 0
        : (JSON.stringify(out, (_k, v) => (typeof v === 'bigint' ? String(v) : v))?.length ?? 0);
    if (size > MAX_OUTPUT_CHARS) why = `output of ${size} characters`;
  } catch (err) {
    if (!target.allowed?.(err))
      why = `${(err as Error)?.name ?? 'throw'}: ${String((err as Error)?.message ?? err).slice(0, 200)}`;
  }
  const ms = cpuMs() - t;
  if (why === null && ms > (target.slowMs ?? SLOW_MS)) why = `took ${ms.toFixed(0)} ms of CPU`;
  return { why, ms };
}

/** Replays saved regressions, then runs `count` mutated inputs; saves any new failure. */
export function fuzz(target: FuzzTarget, count: number, seed: number): FuzzResult {
  const failures: { file: string; why: string }[] = [];
  let slowest = 0;
  const dir = regressionDir(target.name);
  const saved = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.bin')) : [];
  for (const f of saved) {
    const r = check(target, readFileSync(join(dir, f)));
    slowest = Math.max(slowest, r.ms);
    if (r.why) failures.push({ file: join(dir, f), why: r.why });
  }
  const next = random(seed ^ hashName(target.name));
  for (let n = 0; n < count; n++) {
    const base = target.seeds[Math.floor(next() * target.seeds.length)]!;
    const input = mutate(base, next, target.seeds, target.maxInput);
    const r = check(target, input);
    slowest = Math.max(slowest, r.ms);
    if (r.why) {
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `${createHash('sha256').update(input).digest('hex').slice(0, 16)}.bin`);
      writeFileSync(file, input);
      failures.push({ file, why: r.why });
      if (failures.length >= 10) break;
    }
  }
  return { inputs: saved.length + count, failures, slowestMs: slowest };
}

function hashName(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Every file under test/fixtures/devices/*\/<folder>/ (real captures of that protocol). */
export function captures(folder: string): Buffer[] {
  const root = join(process.cwd(), 'test', 'fixtures', 'devices');
  const out: Buffer[] = [];
  for (const device of readdirSync(root)) {
    const dir = join(root, device, folder);
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) out.push(readFileSync(join(dir, f)));
  }
  return out;
}

/** Values of one observation key prefix in the observed corpus (real device answers). */
export function corpusValues(prefix: string): Buffer[] {
  const text = readFileSync(join(process.cwd(), 'test', 'fixtures', 'corpus', 'observed.jsonl'), 'utf8');
  const out: Buffer[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const row = JSON.parse(line) as { observations?: { key: string; value: string }[] };
    for (const o of row.observations ?? []) if (o.key.startsWith(prefix)) out.push(Buffer.from(o.value));
  }
  return out;
}
