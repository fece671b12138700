/** Waiting helpers shared by the events tests. */

/** Delivery timing fast enough for tests: retries within a fraction of a second. */
export const FAST_DELIVERY = { pollMs: 50, backoffMs: 100, maxBackoffMs: 300, timeoutMs: 3000 };

/** Polls `check` until it holds; on time-out throws naming `what`, with `why()` for context. */
export async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  ms = 20_000,
  why: () => string = () => '',
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${why()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
