/**
 * How many connects the sweep may keep in flight while the event loop lags (issue 15).
 *
 * Late timeout verdicts mean the loop is starved (a busy machine). A socket that outlives the
 * kernel's 1 s SYN retransmission sends a second SYN the rate cap never counted (measured at
 * load 12: 167,000 extra SYNs in a /16 sweep), so when the timeout new connects get plus that
 * lateness reaches it, the limit drops by 30 %. A verdict more than `STARVED_MS` late cuts too,
 * whatever the timeout: the loop cannot keep up. On-time verdicts win the slots back.
 */

/** The kernel's initial SYN retransmission timeout: a socket open this long has sent two SYNs. */
const SYN_RETRANSMIT_MS = 1000;
const STARVED_MS = 500;
/**
 * Slots won back per on-time verdict. At 10,000 connects/s a 30 % cut heals in about a second;
 * at 0.01 it took four, and the /16 bench's sweep ran at half its rate meanwhile.
 */
const RECOVERY = 0.05;

export class LagLimit {
  private limit: number;
  private lastCut = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly ceiling: number,
    private readonly floor: number,
  ) {
    this.limit = ceiling;
  }

  /** Connects the lag allows in flight now. */
  get allowed(): number {
    return Math.floor(this.limit);
  }

  /**
   * One timeout verdict: it waited `timeoutMs` and came after `livedMs`. `currentTimeoutMs` is
   * what new connects get now (a 900 ms start-up timeout's late verdict says nothing about the
   * 100 ms connects an adapted timer sends). Returns how late it was when it cut, else null.
   */
  note(v: { timeoutMs: number; livedMs: number; currentTimeoutMs: number; active: number; now: number }) {
    const late = v.livedMs - v.timeoutMs;
    const resends = late > 50 && v.currentTimeoutMs + late >= SYN_RETRANSMIT_MS - 50;
    if (late > STARVED_MS || resends) {
      // One cut per lag episode: the verdicts of one late loop turn arrive together.
      if (v.now - this.lastCut < v.livedMs) return null;
      this.lastCut = v.now;
      this.limit = Math.max(this.floor, Math.floor(Math.min(this.limit, v.active) * 0.7));
      return late;
    }
    if (this.limit < this.ceiling) this.limit = Math.min(this.ceiling, this.limit + RECOVERY);
    return null;
  }
}
