/**
 * Accuracy on the labelled corpus (test/fixtures/corpus/README.md): precision and recall per
 * manufacturer, printed; precision must be 1.0 for covered makers (a false "covered" costs a
 * municipality a needless rip-out) and recall at least 0.95 on entries with a strong signal.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT, SIGNATURES_DIR } from '../../../src/core/version.js';
import { CONFIDENT } from '../../../src/identify/confidence.js';
import { inCoveredGroup } from '../../../src/signatures/covered.js';
import { loadDatabase } from '../../../src/signatures/database.js';
import { identifier, obs } from './helpers.js';

interface Entry {
  id: string;
  label: { manufacturer: string | null; brand: string | null };
  strength: 'strong' | 'weak' | 'none';
  observations: { key: string; value: string }[];
}

const corpus: Entry[] = readFileSync(
  join(PACKAGE_ROOT, 'test', 'fixtures', 'corpus', 'labelled.jsonl'),
  'utf8',
)
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l));
const vocab = loadDatabase(SIGNATURES_DIR).vocab;
const covered = (m: string | null) => m !== null && inCoveredGroup(vocab, m);

const results = corpus.map((e) => ({
  entry: e,
  identity: identifier().identify(
    obs(
      e.observations.map((o) => [o.key, o.value] as const),
      e.id,
    ),
  ).identity,
}));

describe('identification accuracy on the labelled corpus', () => {
  it('is big enough to mean something', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(300);
    expect(
      corpus.filter((e) => e.label.manufacturer === 'hikvision' || e.label.manufacturer === 'dahua').length,
    ).toBeGreaterThanOrEqual(60);
  });

  it('precision 1.0 for covered makers, recall ≥ 0.95 on strong signals (table printed)', () => {
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
      strongHit += found.length;
      strongAll += strong.length;
      const precision = predicted.length === 0 ? 1 : truePos.length / predicted.length;
      const recall = strong.length === 0 ? null : found.length / strong.length;
      rows.push(
        `${m.padEnd(16)} ${covered(m) ? 'covered' : '       '} predicted ${String(predicted.length).padStart(3)}  precision ${precision.toFixed(3)}  strong ${String(strong.length).padStart(3)}  recall ${recall === null ? '  -  ' : recall.toFixed(3)}`,
      );
      if (covered(m) && precision < 1)
        failures.push(
          `${m}: false positives ${predicted
            .filter((r) => r.entry.label.manufacturer !== m)
            .map((r) => r.entry.id)
            .join(', ')}`,
        );
      if (recall !== null && recall < 0.95)
        failures.push(
          `${m}: missed ${strong
            .filter((r) => !found.includes(r))
            .map((r) => r.entry.id)
            .join(', ')}`,
        );
    }
    rows.push(
      `overall strong recall ${(strongHit / strongAll).toFixed(3)} (${strongHit}/${strongAll}) over ${corpus.length} entries`,
    );
    console.log(`\nidentification accuracy\n${rows.join('\n')}`);
    expect(failures).toEqual([]);
    expect(strongHit / strongAll).toBeGreaterThanOrEqual(0.95);
  });

  it('weak-only devices are never confident, and unlabelled gear never gets a covered maker', () => {
    const tooSure = results
      .filter((r) => r.entry.strength !== 'strong' && r.identity.confidence >= CONFIDENT)
      .map((r) => r.entry.id);
    expect(tooSure).toEqual([]);
    const wronglyCovered = results
      .filter((r) => !covered(r.entry.label.manufacturer) && covered(r.identity.manufacturer))
      .map((r) => `${r.entry.id} → ${r.identity.manufacturer}`);
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
