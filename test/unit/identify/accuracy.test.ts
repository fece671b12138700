/**
 * Accuracy on two corpora (test/fixtures/corpus/README.md, OBSERVED.md): precision and recall
 * per manufacturer, printed; precision must be 1.0 for covered makers (a false "covered" costs a
 * municipality a needless rip-out) and recall at least 0.95 on entries with a strong signal.
 * labelled.jsonl is composed from documented banner shapes; observed.jsonl holds real banners
 * re-typed from public fingerprint data, where recall is asserted for covered makers only
 * (a missed Axis or TP-Link router is printed, not a failure: it is never called covered).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Identity } from '../../../src/contract/types.js';
import { PACKAGE_ROOT, SIGNATURES_DIR } from '../../../src/core/version.js';
import { CONFIDENT } from '../../../src/knowledge/identify/confidence.js';
import { inCoveredGroup } from '../../../src/knowledge/signatures/covered.js';
import { loadDatabase } from '../../../src/knowledge/signatures/database.js';
import { identifier, obs } from './helpers.js';

interface Entry {
  id: string;
  label: { manufacturer: string | null; brand: string | null };
  strength: 'strong' | 'weak' | 'none';
  observations: { key: string; value: string }[];
}
interface Result {
  entry: Entry;
  identity: Identity;
}

const vocab = loadDatabase(SIGNATURES_DIR).vocab;
const covered = (m: string | null) => m !== null && inCoveredGroup(vocab, m);

function loadCorpus(file: string): Entry[] {
  return readFileSync(join(PACKAGE_ROOT, 'test', 'fixtures', 'corpus', file), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

function identifyAll(entries: Entry[]): Result[] {
  return entries.map((e) => ({
    entry: e,
    identity: identifier().identify(
      obs(
        e.observations.map((o) => [o.key, o.value] as const),
        e.id,
      ),
    ).identity,
  }));
}

/**
 * Per-maker precision (verdict-grade predictions) and recall on strong entries, as printable
 * rows, plus the failures: covered precision below 1.0 always, recall below 0.95 for the makers
 * `recallAsserted` selects.
 */
function accuracyTable(title: string, results: Result[], recallAsserted: (maker: string) => boolean) {
  const makers = new Set<string>();
  for (const r of results) {
    if (r.entry.label.manufacturer) makers.add(r.entry.label.manufacturer);
    if (r.identity.manufacturer) makers.add(r.identity.manufacturer);
  }
  const rows: string[] = [];
  const failures: string[] = [];
  let strongHit = 0;
  let strongAll = 0;
  for (const m of [...makers].sort()) {
    const predicted = results.filter(
      (r) => r.identity.manufacturer === m && r.identity.confidence >= CONFIDENT,
    );
    const truePos = predicted.filter((r) => r.entry.label.manufacturer === m);
    const strong = results.filter((r) => r.entry.label.manufacturer === m && r.entry.strength === 'strong');
    const found = strong.filter((r) => r.identity.manufacturer === m && r.identity.confidence >= CONFIDENT);
    const labelled = results.filter((r) => r.entry.label.manufacturer === m).length;
    if (recallAsserted(m)) {
      strongHit += found.length;
      strongAll += strong.length;
    }
    const precision = predicted.length === 0 ? 1 : truePos.length / predicted.length;
    const recall = strong.length === 0 ? null : found.length / strong.length;
    rows.push(
      `${m.padEnd(16)} ${covered(m) ? 'covered' : '       '} entries ${String(labelled).padStart(3)}  predicted ${String(predicted.length).padStart(3)}  precision ${precision.toFixed(3)}  strong ${String(strong.length).padStart(3)}  recall ${recall === null ? '  -  ' : recall.toFixed(3)}`,
    );
    if (covered(m) && precision < 1)
      failures.push(
        `${m}: false positives ${predicted
          .filter((r) => r.entry.label.manufacturer !== m)
          .map((r) => r.entry.id)
          .join(', ')}`,
      );
    if (recall !== null && recall < 0.95 && recallAsserted(m))
      failures.push(
        `${m}: missed ${strong
          .filter((r) => !found.includes(r))
          .map((r) => r.entry.id)
          .join(', ')}`,
      );
  }
  rows.push(
    `strong recall where asserted ${(strongHit / strongAll).toFixed(3)} (${strongHit}/${strongAll}) over ${results.length} entries`,
  );
  console.log(`\n${title}\n${rows.join('\n')}`);
  return { failures, strongRecall: strongHit / strongAll };
}

/** Entries without a decisive signal must stay below the verdict grade; others never turn covered. */
function overclaims(results: Result[]) {
  return {
    tooSure: results
      .filter((r) => r.entry.strength !== 'strong' && r.identity.confidence >= CONFIDENT)
      .map((r) => r.entry.id),
    wronglyCovered: results
      .filter((r) => !covered(r.entry.label.manufacturer) && covered(r.identity.manufacturer))
      .map((r) => `${r.entry.id} → ${r.identity.manufacturer}`),
  };
}

const corpus = loadCorpus('labelled.jsonl');
const results = identifyAll(corpus);

describe('identification accuracy on the labelled corpus', () => {
  it('is big enough to mean something', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(300);
    expect(
      corpus.filter((e) => e.label.manufacturer === 'hikvision' || e.label.manufacturer === 'dahua').length,
    ).toBeGreaterThanOrEqual(60);
  });

  it('precision 1.0 for covered makers, recall ≥ 0.95 on strong signals (table printed)', () => {
    const { failures, strongRecall } = accuracyTable(
      'identification accuracy (labelled corpus)',
      results,
      () => true,
    );
    expect(failures).toEqual([]);
    expect(strongRecall).toBeGreaterThanOrEqual(0.95);
  });

  it('weak-only devices are never confident, and unlabelled gear never gets a covered maker', () => {
    const { tooSure, wronglyCovered } = overclaims(results);
    expect(tooSure).toEqual([]);
    expect(wronglyCovered).toEqual([]);
  });

  it('OEM badges come out as brands on the real maker', () => {
    const badged = results.filter((r) => r.entry.label.brand !== null && r.entry.strength === 'strong');
    expect(badged.length).toBeGreaterThanOrEqual(10);
    const wrong = badged.filter(
      (r) =>
        r.identity.brand !== r.entry.label.brand || r.identity.manufacturer !== r.entry.label.manufacturer,
    );
    expect(wrong.map((r) => `${r.entry.id}: ${r.identity.manufacturer}/${r.identity.brand}`)).toEqual([]);
  });
});

describe('identification accuracy on observed real-world banners', () => {
  const observed = loadCorpus('observed.jsonl');
  const observedResults = identifyAll(observed);

  it('is big enough to mean something, with covered makers among the real banners', () => {
    expect(observed.length).toBeGreaterThanOrEqual(300);
    expect(
      observed.filter((e) => covered(e.label.manufacturer) && e.strength === 'strong').length,
    ).toBeGreaterThanOrEqual(15);
  });

  it('precision 1.0 for covered makers, recall ≥ 0.95 on their strong banners (table printed)', () => {
    const { failures, strongRecall } = accuracyTable(
      'identification accuracy (observed corpus: real banners)',
      observedResults,
      covered,
    );
    expect(failures).toEqual([]);
    expect(strongRecall).toBeGreaterThanOrEqual(0.95);
  });

  it('banners without a decisive signal are never confident, and no real non-covered device is called covered', () => {
    const { tooSure, wronglyCovered } = overclaims(observedResults);
    expect(tooSure).toEqual([]);
    expect(wronglyCovered).toEqual([]);
  });
});
