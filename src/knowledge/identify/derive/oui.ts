/**
 * Organisation lookup in the IEEE registries (MA-L /24, MA-M /28, MA-S /36) as shipped by
 * the maintained `oui-data` package (rules.md §3 explains why not Debian's ieee-data).
 * Loaded on first use: the JSON is ~5.6 MB and a scan without MACs should not pay for it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isLocallyAdministered } from '../../../core/mac.js';

let registry: ReadonlyMap<string, string> | null = null;

function load(): ReadonlyMap<string, string> {
  if (registry) return registry;
  const file = createRequire(import.meta.url).resolve('oui-data');
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  const map = new Map<string, string>();
  // Values are the registered organisation followed by its postal address, one per line.
  for (const [prefix, entry] of Object.entries(raw))
    map.set(prefix.toUpperCase(), entry.split('\n', 1)[0]!.trim());
  registry = map;
  return map;
}

/**
 * The registered organisation for a normalised MAC, most specific block first (MA-S, then
 * MA-M, then MA-L). Locally administered addresses are not assigned by the IEEE — a match
 * would be a coincidence — so they give null.
 */
export function ouiOrganisation(mac: string): string | null {
  if (isLocallyAdministered(mac)) return null;
  const hex = mac.replace(/:/g, '').toUpperCase();
  const map = load();
  return map.get(hex.slice(0, 9)) ?? map.get(hex.slice(0, 7)) ?? map.get(hex.slice(0, 6)) ?? null;
}
