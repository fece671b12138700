/**
 * A polling loop for the event dispatchers and the periodic check: runs `round`, waits `pollMs`,
 * runs it again; a round that throws is logged and the loop goes on. The returned function
 * stops the loop and waits for a round in flight, so a collector closes without cutting a
 * delivery's bookkeeping in half.
 */
import type { Logger } from '../../core/log.js';

export function startLoop(
  round: () => Promise<void>,
  pollMs: number,
  log: Logger,
  what: string,
  firstMs = pollMs,
): () => Promise<void> {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    if (stopped) return;
    running = round()
      .catch((err: unknown) => log.error({ err }, `${what} round failed`))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, pollMs);
      });
  };
  timer = setTimeout(tick, firstMs);
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}

/** Delay before retry number `attempts + 1`: exponential from `base` up to `max`, with jitter. */
export function retryDelay(attempts: number, base: number, max: number): number {
  const exp = Math.min(max, base * 2 ** Math.min(attempts, 30));
  // Jitter (half to full delay) keeps many collectors from retrying in step.
  return Math.round(exp / 2 + (Math.random() * exp) / 2);
}
