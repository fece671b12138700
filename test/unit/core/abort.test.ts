/**
 * Thousands of operations wait on one probe's AbortSignal at once (paced packets, sleeps, RTSP
 * connections). They must share one 'abort' listener: one per operation made every lab scan
 * print "MaxListenersExceededWarning: 11 abort listeners added to [AbortSignal]".
 */
import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sleep } from '../../../src/agent/probes/shared/pool.js';
import { createPacer } from '../../../src/agent/scan/rate.js';
import { abortWaiters, whenAborted } from '../../../src/core/abort.js';

let warnings: Error[] = [];
const onWarning = (w: Error) => warnings.push(w);
beforeEach(() => {
  warnings = [];
  process.on('warning', onWarning);
});
afterEach(() => {
  process.off('warning', onWarning);
});

const listeners = (signal: AbortSignal) => getEventListeners(signal, 'abort').length;

describe('whenAborted', () => {
  it('calls every waiter once through a single listener, then removes it', () => {
    const c = new AbortController();
    const calls: number[] = [];
    for (let i = 0; i < 100; i++) whenAborted(c.signal, () => calls.push(i));
    expect(listeners(c.signal)).toBe(1);
    expect(abortWaiters(c.signal)).toBe(100);
    c.abort();
    c.abort();
    expect(calls).toHaveLength(100);
    expect(listeners(c.signal)).toBe(0);
    expect(abortWaiters(c.signal)).toBe(0);
  });

  it('forgets cancelled waiters and drops the listener when the last one cancels', () => {
    const c = new AbortController();
    let called = 0;
    const cancels = Array.from({ length: 20 }, () => whenAborted(c.signal, () => called++));
    for (const cancel of cancels.slice(0, 19)) cancel();
    expect(listeners(c.signal)).toBe(1);
    cancels[19]!();
    cancels[19]!(); // twice is harmless
    expect(listeners(c.signal)).toBe(0);
    c.abort();
    expect(called).toBe(0);
  });

  it('calls at once for a signal that has already aborted', () => {
    let called = 0;
    whenAborted(AbortSignal.abort(), () => called++);
    expect(called).toBe(1);
  });
});

describe('waiting on a shared signal', () => {
  it('a pacer with 500 packets queued on one signal adds one listener and no warning', async () => {
    const c = new AbortController();
    const pacer = createPacer(1000);
    const waits = Array.from({ length: 500 }, () =>
      pacer.take(1, c.signal).then(
        () => 'sent',
        () => 'stopped',
      ),
    );
    expect(listeners(c.signal)).toBeLessThanOrEqual(1);
    await new Promise((r) => setTimeout(r, 150));
    c.abort(new Error('stop'));
    const outcomes = await Promise.all(waits);
    expect(outcomes).toContain('sent');
    expect(outcomes).toContain('stopped');
    expect(listeners(c.signal)).toBe(0);
    await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
    expect(warnings.map((w) => w.message)).toEqual([]);
  });

  it('200 sleeps on one signal: one listener, all end early on abort, no warning', async () => {
    const c = new AbortController();
    const started = Date.now();
    const sleeps = Array.from({ length: 200 }, () => sleep(10_000, c.signal));
    expect(listeners(c.signal)).toBe(1);
    c.abort();
    await Promise.all(sleeps);
    expect(Date.now() - started).toBeLessThan(1000);
    await new Promise((r) => setImmediate(r));
    expect(warnings.map((w) => w.message)).toEqual([]);
  });
});
