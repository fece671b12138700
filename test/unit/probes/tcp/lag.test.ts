import { describe, expect, it } from 'vitest';
import { LagLimit } from '../../../../src/agent/probes/tcp/lag.js';

/** A verdict of a connect that waited `timeoutMs` and was seen `lateMs` after it expired. */
const verdict = (
  timeoutMs: number,
  lateMs: number,
  currentTimeoutMs: number,
  now: number,
  active = 2000,
) => ({
  timeoutMs,
  livedMs: timeoutMs + lateMs,
  currentTimeoutMs,
  active,
  now,
});

describe('connects in flight while the event loop lags', () => {
  it('a late verdict of the start-up timeout does not cut once new connects get a short one', () => {
    const lag = new LagLimit(4096, 64);
    // 900 ms connect seen 60 ms late (it sent a second SYN), but the timer now gives 100 ms:
    // the connects going out now cannot reach the kernel's retransmission at this lateness.
    expect(lag.note(verdict(900, 60, 100, 1000))).toBeNull();
    expect(lag.allowed).toBe(4096);
  });

  it('cuts by 30 % when connects going out now would outlive the SYN retransmission', () => {
    const lag = new LagLimit(4096, 64);
    expect(lag.note(verdict(900, 80, 900, 1000, 2000))).toBe(80);
    expect(lag.allowed).toBe(1400);
  });

  it('cuts whatever the timeout when the loop is starved, but once per lag episode', () => {
    const lag = new LagLimit(4096, 64);
    expect(lag.note(verdict(100, 600, 100, 1000, 1000))).toBe(600);
    expect(lag.allowed).toBe(700);
    // The rest of the same late loop turn's verdicts arrive together: no second cut.
    expect(lag.note(verdict(100, 600, 100, 1001, 700))).toBeNull();
    expect(lag.allowed).toBe(700);
    // A later episode cuts again, never below the floor.
    for (let t = 2000; t < 20_000; t += 1000) lag.note(verdict(100, 600, 100, t, 10));
    expect(lag.allowed).toBe(64);
  });

  it('wins the slots back from on-time verdicts within about a second at 10,000/s', () => {
    const lag = new LagLimit(1250, 64);
    lag.note(verdict(900, 80, 900, 1000, 1250));
    expect(lag.allowed).toBe(875);
    // 10,000 on-time verdicts: one second of a /16 sweep at 10,000 connects/s.
    for (let i = 0; i < 10_000; i++) lag.note(verdict(100, 0, 100, 2000));
    expect(lag.allowed).toBe(1250);
    for (let i = 0; i < 1000; i++) lag.note(verdict(100, 0, 100, 3000));
    expect(lag.allowed).toBe(1250); // never above the ceiling
  });
});
