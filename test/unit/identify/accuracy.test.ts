/**
 * Accuracy on two corpora (test/fixtures/corpus/README.md, OBSERVED.md): precision and recall
 * per manufacturer, printed; precision must be 1.0 for covered makers (a false "covered" costs a
 * municipality a needless rip-out) and recall at least 0.95 on entries with a strong signal.
 * labelled.jsonl is composed from documented banner shapes; observed.jsonl and public.jsonl hold
 * real values from public fingerprint data, split by a fixed hash into an authoring and a
 * held-out part; there recall is asserted for covered makers only (a missed Axis or TP-Link
 * router is printed, not a failure: it is never called covered).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Identity } from '../../../src/contract/types.js';
import { PACKAGE_ROOT, SIGNATURES_DIR } from '../../../src/core/version.js';
import { CONFIDENT } from '../../../src/knowledge/identify/confidence.js';
import { inCoveredGroup } from '../../../src/knowledge/signatures/covered.js';
import { loadDatabase } from '../../../src/knowledge/signatures/database.js';
import { identifier, isHeldOut, obs } from './helpers.js';

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
 * rows, plus the failures: covered precision below 1.0 always, and (unless `perMakerRecall` is
 * off) recall below 0.95 for the makers `recallAsserted` selects. `strongRecall` is over all the
 * makers `recallAsserted` selects.
 */
function accuracyTable(
  title: string,
  results: Result[],
  recallAsserted: (maker: string) => boolean,
  perMakerRecall = true,
) {
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
    if (perMakerRecall && recall !== null && recall < 0.95 && recallAsserted(m))
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

/**
 * Entries without a decisive signal must stay below the verdict grade; others never turn covered.
 * On the real corpus (`realCorpus`) the weak rule is about covered verdicts on `weak` entries (a
 * confident Axis on a weak Axis banner harms no one); its `none` entries are unlabelled gear,
 * caught by the covered check, or relabel-badge units whose strength no fixed rule can judge,
 * caught by precision (a covered claim must name the badge's maker).
 */
function overclaims(results: Result[], realCorpus = false) {
  return {
    tooSure: results
      .filter((r) =>
        realCorpus
          ? r.entry.strength === 'weak' &&
            r.identity.confidence >= CONFIDENT &&
            covered(r.identity.manufacturer)
          : r.entry.strength !== 'strong' && r.identity.confidence >= CONFIDENT,
      )
      .map((r) => r.entry.id),
    wronglyCovered: results
      .filter((r) => !covered(r.entry.label.manufacturer) && covered(r.identity.manufacturer))
      .map((r) => `${r.entry.id} → ${r.identity.manufacturer}`),
  };
}

/** "rhs-apache" → "rhs": the id prefix names the data set an entry comes from (OBSERVED.md). */
const sourceGroup = (id: string) => id.split('-')[0]!;

/** Covered-maker precision and strong recall per data set, as printable rows. */
function sourceTable(title: string, results: Result[]): string {
  const rows: string[] = [];
  for (const g of [...new Set(results.map((r) => sourceGroup(r.entry.id)))].sort()) {
    const mine = results.filter((r) => sourceGroup(r.entry.id) === g);
    const predicted = mine.filter(
      (r) => covered(r.identity.manufacturer) && r.identity.confidence >= CONFIDENT,
    );
    const right = predicted.filter((r) => r.identity.manufacturer === r.entry.label.manufacturer);
    const strong = mine.filter((r) => covered(r.entry.label.manufacturer) && r.entry.strength === 'strong');
    const found = strong.filter(
      (r) => r.identity.manufacturer === r.entry.label.manufacturer && r.identity.confidence >= CONFIDENT,
    );
    const positives = mine.filter((r) => covered(r.entry.label.manufacturer)).length;
    rows.push(
      `${g.padEnd(6)} entries ${String(mine.length).padStart(4)}  covered ${String(positives).padStart(3)}  predicted ${String(predicted.length).padStart(3)}  precision ${predicted.length === 0 ? '  -  ' : (right.length / predicted.length).toFixed(3)}  strong ${String(strong.length).padStart(3)}  recall ${strong.length === 0 ? '  -  ' : (found.length / strong.length).toFixed(3)}`,
    );
  }
  return `\n${title}\n${rows.join('\n')}`;
}

/** "dahua: missed a, b" → "dahua: missed 2 entries": held-out failures never name their entries. */
const countOnly = (failure: string) =>
  failure.replace(
    /: (missed|false positives) (.*)$/,
    (_m, what: string, ids: string) => `: ${what} ${ids.split(', ').length} entries`,
  );

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

/**
 * The real corpus: observed.jsonl (values re-typed by hand) and public.jsonl (values mined by
 * mine-public.py), split by a fixed hash of the entry id into an authoring part, which
 * signature work may read, and a held-out part (about 30%) that it never reads. Failures in
 * the held-out part are reported as counts only, so a failing run does not leak its entries.
 */
const real = [...loadCorpus('observed.jsonl'), ...loadCorpus('public.jsonl')];
const split = {
  authoring: real.filter((e) => !isHeldOut(e.id)),
  'held-out': real.filter((e) => isHeldOut(e.id)),
};

describe('identification accuracy on real public values, authoring and held-out parts', () => {
  it('is big enough to catch overfitting: ≥ 1,000 entries, ≥ 200 covered positives, both parts populated', () => {
    expect(real.length).toBeGreaterThanOrEqual(1000);
    expect(real.filter((e) => covered(e.label.manufacturer)).length).toBeGreaterThanOrEqual(200);
    expect(new Set(real.map((e) => e.id)).size).toBe(real.length);
    const share = split['held-out'].length / real.length;
    expect(share).toBeGreaterThan(0.25);
    expect(share).toBeLessThan(0.35);
    for (const part of Object.values(split))
      expect(
        part.filter((e) => covered(e.label.manufacturer) && e.strength === 'strong').length,
      ).toBeGreaterThanOrEqual(15);
  });

  for (const [part, entries] of Object.entries(split)) {
    const partResults = identifyAll(entries);
    const listIds = part === 'authoring';

    it(`${part}: precision 1.0 for covered makers, strong-signal recall ≥ 0.95 (tables per maker and per source printed)`, () => {
      const { failures, strongRecall } = accuracyTable(
        `identification accuracy, ${part} part (${entries.length} real entries)`,
        partResults,
        covered,
        // Recall is asserted over all covered makers' strong entries (the issue's target); per
        // maker it is printed: with 5 to 30 strong entries a maker, one miss is 3 to 20 points.
        false,
      );
      console.log(sourceTable(`per source, ${part} part (covered makers)`, partResults));
      expect(listIds ? failures : failures.map(countOnly)).toEqual([]);
      expect(strongRecall).toBeGreaterThanOrEqual(0.95);
    });

    it(`${part}: a weak signal alone is never more than suspect, and no non-covered device is called covered`, () => {
      const { tooSure, wronglyCovered } = overclaims(partResults, true);
      expect(listIds ? tooSure : tooSure.length).toEqual(listIds ? [] : 0);
      expect(listIds ? wronglyCovered : wronglyCovered.length).toEqual(listIds ? [] : 0);
    });
  }
});
