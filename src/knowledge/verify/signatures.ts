/**
 * `camsweep verify` for the identification data: schema and vocabulary (collected while
 * loading), every example matched — and matched best — by its own entry with the expected
 * extraction, no counterexample matched, model families consistent, and the generic corpus of
 * non-camera banners never leading to a covered maker (docs/architecture.md §6 practice 4).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Observation } from '../../contract/types.js';
import { brandMaker } from '../identify/fuse.js';
import { identifierFrom } from '../identify/index.js';
import { type Hit, Matcher } from '../identify/match.js';
import { inCoveredGroup, NAMED_ENTITIES } from '../signatures/covered.js';
import { loadDatabase, type SignatureDatabase } from '../signatures/database.js';
import {
  type Example,
  type Extraction,
  extract,
  type Signature,
  WEIGHTS,
} from '../signatures/fingerprints.js';
import type { Problem } from '../signatures/problem.js';
import type { Vocabulary } from '../signatures/vocabulary.js';
import { displayPath } from '../signatures/yaml-file.js';

export interface VerifyCounts {
  signatures: number;
  examples: number;
  counterexamples: number;
  modelFamilies: number;
  genericObservations: number;
}

export interface SignatureVerification {
  readonly problems: Problem[];
  readonly counts: VerifyCounts;
  readonly version: string;
}

const FIELDS = ['manufacturer', 'brand', 'model', 'firmware', 'serial', 'deviceType'] as const;

export function verifySignatures(signaturesDir: string, genericDir: string | null): SignatureVerification {
  const db = loadDatabase(signaturesDir);
  const problems: Problem[] = [...db.problems];
  const counts: VerifyCounts = {
    signatures: db.fingerprints.signatures.length,
    examples: 0,
    counterexamples: 0,
    modelFamilies: db.families.length,
    genericObservations: 0,
  };
  const matcher = new Matcher(db.fingerprints.signatures, db.vocab);
  for (const sig of db.fingerprints.signatures) {
    for (const ex of sig.examples) {
      counts.examples++;
      checkExample(sig, ex, matcher, db.vocab, problems);
    }
    for (const ex of sig.counterexamples) {
      counts.counterexamples++;
      if (sig.regex.test(ex.value))
        problems.push({
          file: sig.file,
          line: ex.line,
          message: `${sig.id}: counterexample ${show(ex.value)} matches the pattern`,
        });
    }
  }
  checkFamilies(db, problems);
  // The named entities are manufacturer ids in code; the vocabulary must know each one.
  for (const id of NAMED_ENTITIES)
    if (!db.vocab.manufacturers.has(id))
      problems.push({
        file: 'vocabulary/manufacturers.yaml',
        line: 0,
        message: `named entity "${id}" is not a manufacturer id`,
      });
  if (genericDir !== null && problems.length === 0)
    counts.genericObservations = checkGeneric(db, genericDir, matcher, problems);
  return { problems, counts, version: db.version };
}

/** Strength order used to decide which entry "best" explains a value. */
function rankOf(sig: Signature): number {
  return (WEIGHTS.length - WEIGHTS.indexOf(sig.weight)) * 1000 + sig.priority;
}

/** Values in messages: long bodies are cut so one problem stays one line. */
function show(v: string): string {
  return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v);
}

function concludes(x: Extraction): boolean {
  return FIELDS.some((f) => x[f] !== null);
}

function checkExample(
  sig: Signature,
  ex: Example,
  matcher: Matcher,
  vocab: Vocabulary,
  problems: Problem[],
): void {
  const at = (message: string): void => {
    problems.push({ file: sig.file, line: ex.line, message: `${sig.id}: ${message}` });
  };
  const own = extract(sig, ex.value, vocab);
  if (own === null) {
    at(`example ${show(ex.value)} does not match the pattern`);
    return;
  }
  for (const f of FIELDS) {
    const expected = ex.expect[f];
    const got = own[f];
    // Manufacturer and brand declared on the entry are implied; extracted fields must be listed.
    const implied =
      (f === 'manufacturer' && sig.manufacturer !== null) || (f === 'brand' && sig.brand !== null);
    if (expected === undefined && got !== null && !implied)
      at(`example ${show(ex.value)} extracts ${f} "${got}" but does not say so (add ${f}: ${got})`);
    else if (expected !== undefined && expected !== got)
      at(`example ${show(ex.value)}: expected ${f} ${JSON.stringify(expected)}, got ${JSON.stringify(got)}`);
  }
  if (!concludes(own)) return;
  for (const other of matcher.signaturesFor(ex.key)) {
    if (other === sig) continue;
    const x = extract(other, ex.value, vocab);
    if (x === null || !concludes(x)) continue;
    if (rankOf(other) > rankOf(sig))
      at(`example ${show(ex.value)} is matched better by ${other.id} (${other.file}:${other.line})`);
    else if (rankOf(other) === rankOf(sig) && (x.manufacturer !== own.manufacturer || x.brand !== own.brand))
      at(
        `example ${show(ex.value)} is matched as strongly by ${other.id} (${other.file}:${other.line}) with another conclusion; set priority`,
      );
  }
}

function checkFamilies(db: SignatureDatabase, problems: Problem[]): void {
  for (const fam of db.families) {
    const same = db.families.filter((f) => f.manufacturer === fam.manufacturer);
    for (const ex of fam.examples) {
      const first = same.find((f) => f.regex.test(ex.value));
      if (first === undefined)
        problems.push({
          file: fam.file,
          line: ex.line,
          message: `${fam.id}: example "${ex.value}" does not match`,
        });
      else if (first !== fam)
        problems.push({
          file: fam.file,
          line: ex.line,
          message: `${fam.id}: example "${ex.value}" is taken first by ${first.id} (line ${first.line}); order specific families first`,
        });
    }
    for (const ex of fam.counterexamples)
      if (fam.regex.test(ex.value))
        problems.push({
          file: fam.file,
          line: ex.line,
          message: `${fam.id}: counterexample "${ex.value}" matches`,
        });
  }
}

interface GenericLine {
  readonly line: number;
  readonly observation: Observation;
}

/** Reads signatures/generic/*.jsonl: `{"host","key","value"}` lines of non-covered gear. */
function readGeneric(genericDir: string, problems: Problem[]): Map<string, GenericLine[]> {
  const byFileHost = new Map<string, GenericLine[]>();
  const files = readdirSync(genericDir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort();
  for (const name of files) {
    const path = join(genericDir, name);
    const display = displayPath(path);
    readFileSync(path, 'utf8')
      .split('\n')
      .forEach((text, i) => {
        if (text.trim() === '' || text.trimStart().startsWith('//')) return;
        let raw: Record<string, unknown>;
        try {
          raw = JSON.parse(text) as Record<string, unknown>;
        } catch (err) {
          problems.push({ file: display, line: i + 1, message: `not JSON: ${(err as Error).message}` });
          return;
        }
        if (typeof raw.key !== 'string' || (typeof raw.value !== 'string' && typeof raw.value !== 'number')) {
          problems.push({ file: display, line: i + 1, message: 'needs "key" and "value"' });
          return;
        }
        const host = typeof raw.host === 'string' ? raw.host : `line${i + 1}`;
        const id = `${display}\0${host}`;
        const list = byFileHost.get(id) ?? [];
        list.push({
          line: i + 1,
          observation: {
            host,
            key: raw.key,
            value: String(raw.value),
            probe: raw.key.split('.')[0]!,
            at: '',
          },
        });
        byFileHost.set(id, list);
      });
  }
  return byFileHost;
}

function checkGeneric(
  db: SignatureDatabase,
  genericDir: string,
  matcher: Matcher,
  problems: Problem[],
): number {
  // A corpus that is not there must not pass as "0 generic observations, no problems".
  if (!existsSync(genericDir)) {
    problems.push({
      file: displayPath(genericDir),
      line: 0,
      message:
        'the generic corpus folder does not exist; give --generic DIR (it ships as signatures/generic/)',
    });
    return 0;
  }
  const identifier = identifierFrom(db);
  let count = 0;
  for (const [id, lines] of readGeneric(genericDir, problems)) {
    const file = id.split('\0')[0]!;
    for (const { line, observation } of lines) {
      count++;
      const hits: Hit[] = [];
      matcher.match(observation, hits);
      for (const h of hits) {
        // A badge alone (brand annke) is not a maker claim; a maker named or implied is.
        const maker = h.extraction.manufacturer ?? brandMaker(db.vocab, h.extraction.brand);
        if (maker !== null && inCoveredGroup(db.vocab, maker))
          problems.push({
            file,
            line,
            message: `generic ${observation.key} "${observation.value.slice(0, 80)}" matched ${h.signature.id} (${h.signature.file}:${h.signature.line}) → ${maker}`,
          });
      }
    }
    const { identity } = identifier.identify(lines.map((l) => l.observation));
    if (identity.manufacturer !== null && inCoveredGroup(db.vocab, identity.manufacturer))
      problems.push({
        file,
        line: lines[0]!.line,
        message: `generic host ${lines[0]!.observation.host} was identified as ${identity.manufacturer}`,
      });
  }
  if (count === 0)
    problems.push({
      file: displayPath(genericDir),
      line: 0,
      message: 'the generic corpus holds no observations (no *.jsonl lines); the check would prove nothing',
    });
  return count;
}
