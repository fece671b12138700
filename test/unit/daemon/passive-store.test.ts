import { describe, expect, it } from 'vitest';
import { MAX_FACTS_PER_HOST, PassiveStore } from '../../../src/agent/daemon/passive-store.js';
import type { Observation } from '../../../src/contract/types.js';

const obs = (host: string, value: string, at = '2025-01-01T00:00:00.000Z'): Observation => ({
  host,
  key: 'onvif.endpoint',
  value,
  probe: 'onvif',
  at,
});

describe('PassiveStore', () => {
  it('collapses repeated announcements and keeps the latest sighting', () => {
    const s = new PassiveStore(10);
    s.add(obs('10.0.0.5', 'a', '2025-01-01T00:00:00.000Z'));
    s.add(obs('10.0.0.5', 'a', '2025-01-01T00:00:01.000Z'));
    const { observations } = s.drain();
    expect(observations).toHaveLength(1);
    expect(observations[0]!.at).toBe('2025-01-01T00:00:01.000Z');
  });

  it('drain hands over everything once', () => {
    const s = new PassiveStore(10);
    s.add(obs('10.0.0.5', 'a'));
    s.add(obs('10.0.0.6', 'b'));
    expect(s.drain().observations).toHaveLength(2);
    expect(s.drain().observations).toHaveLength(0);
    expect(s.hosts).toBe(0);
  });

  it('bounds hosts and facts per host against forged floods, counting what it refused', () => {
    const s = new PassiveStore(3);
    for (let i = 0; i < 100; i++) s.add(obs(`10.0.1.${i}`, 'x'));
    for (let i = 0; i < 1000; i++) s.add(obs('10.0.1.0', `v${i}`));
    const { observations, dropped } = s.drain();
    expect(new Set(observations.map((o) => o.host)).size).toBe(3);
    expect(observations.filter((o) => o.host === '10.0.1.0')).toHaveLength(MAX_FACTS_PER_HOST);
    expect(dropped).toBe(97 + 1001 - MAX_FACTS_PER_HOST);
  });

  it('restore puts a failed scan’s observations back for the next one', () => {
    const s = new PassiveStore(10);
    s.add(obs('10.0.0.5', 'a'));
    const { observations } = s.drain();
    s.restore(observations);
    expect(s.has('10.0.0.5')).toBe(true);
  });
});
