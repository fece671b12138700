/**
 * One connect's verdict on a busy event loop: an answer that arrived while the loop was stuck
 * must win over the timeout that expired meanwhile (issue 15: at load 18 the /16 bench lost
 * live hosts to exactly this), and a silent address still times out.
 */
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectPort, Inflight } from '../../../../src/agent/probes/tcp/connect.js';
import { isolated, localSubnet, silentSubnet } from '../../../helpers/isolation.js';

const HOST = '10.250.9.5';
let server: Server;

/** Keeps the event loop busy, as a starved process on a loaded machine would be. */
function stall(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
}

describe.skipIf(!isolated)('connect verdicts on a stalled event loop', () => {
  beforeAll(async () => {
    localSubnet('10.250.9');
    silentSubnet('10.250.8', 'cstp0'); // shared with two-phase.test.ts (idempotent)
    server = createServer((s) => s.on('error', () => {}));
    await new Promise<void>((resolve) => server.listen(80, HOST, () => resolve()));
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  it('reports an open port that answered while the loop was stuck past the timeout', async () => {
    const inflight = new Inflight(new AbortController().signal);
    const verdicts = [];
    for (let i = 0; i < 5; i++) {
      const pending = connectPort(HOST, 80, { timeoutMs: 20, inflight });
      stall(150); // the SYN-ACK and the expired timer now wait in the same loop turn
      verdicts.push((await pending).state);
    }
    expect(verdicts).toEqual(['open', 'open', 'open', 'open', 'open']);
  });

  it('still calls a silent address filtered once its timeout passes', async () => {
    const inflight = new Inflight(new AbortController().signal);
    const started = performance.now();
    const result = await connectPort('10.250.8.77', 80, { timeoutMs: 100, inflight });
    expect(result.state).toBe('filtered');
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
  });
});
