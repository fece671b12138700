/**
 * The whole identification data set: vocabulary, model families and fingerprints, read once
 * with every problem collected. The identify stage refuses to run on a database with
 * problems; `camsweep verify` prints them.
 */
import { createHash } from 'node:crypto';
import { type Fingerprints, loadFingerprints } from './fingerprints.js';
import { loadModelFamilies, type ModelFamily } from './model-families.js';
import type { Problem } from './problem.js';
import { loadVocabulary, type Vocabulary } from './vocabulary.js';
import type { YamlFile } from './yaml-file.js';

export interface SignatureDatabase {
  readonly dir: string;
  readonly vocab: Vocabulary;
  readonly fingerprints: Fingerprints;
  readonly families: readonly ModelFamily[];
  /** sha256 (first 16 hex) over every file read, in path order: changes when any signature does. */
  readonly version: string;
  readonly problems: readonly Problem[];
}

export function loadDatabase(dir: string): SignatureDatabase {
  const problems: Problem[] = [];
  const vocab = loadVocabulary(dir, problems);
  const { families, file: familiesFile } = loadModelFamilies(dir, vocab, problems);
  const fingerprints = loadFingerprints(dir, vocab, problems);
  const files: YamlFile[] = [...vocab.files, familiesFile, ...fingerprints.files].sort((a, b) =>
    a.display.localeCompare(b.display),
  );
  const hash = createHash('sha256');
  for (const f of files) hash.update(`${f.display}\0${f.text}\0`);
  return { dir, vocab, fingerprints, families, version: hash.digest('hex').slice(0, 16), problems };
}
