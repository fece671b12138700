/**
 * What the passive listeners heard since the last scan, waiting to be folded into the next
 * report. Announcements are unauthenticated multicast, so anyone on the LAN can forge them:
 * the store is bounded in hosts and in facts per host, and duplicates (WS-Discovery repeats
 * every Hello up to four times) collapse to one.
 */
import type { Observation } from '../../contract/types.js';

/** A Hello carries a handful of scopes; an mDNS record set a few dozen TXT keys at most. */
export const MAX_FACTS_PER_HOST = 64;

export class PassiveStore {
  readonly #maxHosts: number;
  readonly #byHost = new Map<string, Map<string, Observation>>();
  #dropped = 0;
  #lastHeardAt: string | null = null;

  constructor(maxHosts: number) {
    this.#maxHosts = maxHosts;
  }

  /** Records one observation; false when a cap refused it. */
  add(obs: Observation): boolean {
    let facts = this.#byHost.get(obs.host);
    if (!facts) {
      if (this.#byHost.size >= this.#maxHosts) return this.#drop();
      facts = new Map();
      this.#byHost.set(obs.host, facts);
    }
    const id = `${obs.key}\u0000${obs.port ?? ''}\u0000${obs.value}`;
    if (!facts.has(id) && facts.size >= MAX_FACTS_PER_HOST) return this.#drop();
    facts.set(id, obs); // a repeat replaces the older copy, so `at` is the latest sighting
    this.#lastHeardAt = obs.at;
    return true;
  }

  #drop(): false {
    this.#dropped++;
    return false;
  }

  has(host: string): boolean {
    return this.#byHost.has(host);
  }

  get hosts(): number {
    return this.#byHost.size;
  }

  get lastHeardAt(): string | null {
    return this.#lastHeardAt;
  }

  /** Hands over everything heard and starts afresh; `dropped` counts what the caps refused. */
  drain(): { observations: Observation[]; dropped: number } {
    const observations = [...this.#byHost.values()].flatMap((facts) => [...facts.values()]);
    const dropped = this.#dropped;
    this.#byHost.clear();
    this.#dropped = 0;
    return { observations, dropped };
  }

  /** Puts observations back after a scan failed, so an announcement is never lost. */
  restore(observations: readonly Observation[]): void {
    for (const o of observations) this.add(o);
  }
}
