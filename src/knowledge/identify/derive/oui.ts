/**
 * Organisation lookup in the IEEE registries (MA-L /24, MA-M /28, MA-S /36) as shipped by
 * the maintained `oui-data` package (docs/regulations.md §3 explains why not Debian's ieee-data).
 * Read only when a MAC needs naming, and only the blocks asked for are kept (the JSON is ~5.6 MB).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isLocallyAdministered } from '../../../core/mac.js';

// A raw buffer (5.6 MB outside the JS heap) and one native search per distinct block: the
// registry never becomes a JavaScript string or 50,000 objects. MACs on one site share a few
// dozen blocks, so answers are remembered (bounded).
let registry: Buffer | null = null;
const answers = new Map<string, string | null>();
const MAX_ANSWERS = 4096;

function lookupBlock(block: string): string | null {
  const known = answers.get(block);
  if (known !== undefined) return known;
  registry ??= readFileSync(createRequire(import.meta.url).resolve('oui-data'));
  let org: string | null = null;
  const at = registry.indexOf(`"${block}": "`);
  if (at >= 0) {
    const start = at + block.length + 4;
    const end = registry.indexOf(0x0a, start); // one entry per line
    const literal = registry.toString('utf8', start, end < 0 ? undefined : end).replace(/,\s*$/, '');
    // Values are the registered organisation followed by its postal address, one per line.
    org = (JSON.parse(literal) as string).split('\n', 1)[0]!.trim();
  }
  if (answers.size >= MAX_ANSWERS) answers.clear();
  answers.set(block, org);
  return org;
}

/** The registry blocks a MAC could fall in, most specific first (MA-S, MA-M, MA-L). */
function blocksOf(mac: string): string[] {
  const hex = mac.replace(/:/g, '').toUpperCase();
  return [hex.slice(0, 9), hex.slice(0, 7), hex.slice(0, 6)];
}

/**
 * The registered organisation of each MAC, most specific block first. Only the blocks asked
 * for are read: parsing all ~50,000 entries into a map cost some 40 MB of memory for a
 * handful of lookups. Entries are `"PREFIX": "organisation\naddress…",`, one per line. Locally administered addresses are not
 * assigned by the IEEE — a match would be a coincidence — so they give null.
 */
export function ouiOrganisations(macs: Iterable<string>): Map<string, string | null> {
  const out = new Map<string, string | null>();
  const wanted = new Set<string>();
  for (const mac of macs) {
    out.set(mac, null);
    if (!isLocallyAdministered(mac)) for (const block of blocksOf(mac)) wanted.add(block);
  }
  if (wanted.size === 0) return out;
  const found = new Map<string, string>();
  for (const block of wanted) {
    const org = lookupBlock(block);
    if (org !== null) found.set(block, org);
  }
  for (const mac of out.keys()) {
    if (isLocallyAdministered(mac)) continue;
    const block = blocksOf(mac).find((b) => found.has(b));
    if (block) out.set(mac, found.get(block)!);
  }
  return out;
}

/** One MAC's registered organisation (see `ouiOrganisations`, which a caller with many should use). */
export function ouiOrganisation(mac: string): string | null {
  return ouiOrganisations([mac]).get(mac) ?? null;
}
