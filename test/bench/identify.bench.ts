/**
 * Identify benchmark (issue 4): observations per second through the identify stage on one
 * core, using the labelled corpus and the lab fixtures' saved observations as a realistic
 * mix (HTTP bodies, SNMP, SADP, DHIP, OUIs, generic gear). Target ≥ 100,000 observations/s.
 * Prints figures; asserts nothing. Touches no network.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Observation } from '../../src/contract/types.js';
import { PACKAGE_ROOT } from '../../src/core/version.js';
import { loadIdentifier } from '../../src/knowledge/identify/index.js';

const TARGET_PER_SECOND = 100_000;
const MIN_SECONDS = 3;

function corpusHosts(): Observation[][] {
  const text = readFileSync(join(PACKAGE_ROOT, 'test', 'fixtures', 'corpus', 'labelled.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const e = JSON.parse(line) as { id: string; observations: { key: string; value: string }[] };
      return e.observations.map((o) => ({
        host: e.id,
        key: o.key,
        value: o.value,
        probe: o.key.split('.')[0]!,
        at: '',
      }));
    });
}

const loadStart = performance.now();
const identifier = loadIdentifier();
const loadMs = performance.now() - loadStart;
const hosts = corpusHosts();
const perRound = hosts.reduce((n, h) => n + h.length, 0);

// Warm up the regex engine and caches, then measure whole rounds for at least MIN_SECONDS.
for (let i = 0; i < 20; i++) for (const h of hosts) identifier.identify(h);
let rounds = 0;
const start = performance.now();
while (performance.now() - start < MIN_SECONDS * 1000) {
  for (const h of hosts) identifier.identify(h);
  rounds++;
}
const seconds = (performance.now() - start) / 1000;
const perSecond = (rounds * perRound) / seconds;
const hostsPerSecond = (rounds * hosts.length) / seconds;

console.log(
  `identify: signatures loaded and compiled in ${loadMs.toFixed(0)} ms (version ${identifier.version})`,
);
console.log(
  `identify: ${Math.round(perSecond).toLocaleString('en-US')} observations/s, ${Math.round(hostsPerSecond).toLocaleString('en-US')} hosts/s ` +
    `(${hosts.length} hosts, ${perRound} observations per round, ${rounds} rounds in ${seconds.toFixed(1)} s, one core)`,
);
console.log(
  `identify: target ≥ ${TARGET_PER_SECOND.toLocaleString('en-US')} observations/s: ${perSecond >= TARGET_PER_SECOND ? 'met' : 'NOT met'}`,
);
