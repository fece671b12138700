/**
 * Connect timeout that follows the network, the way TCP sets its retransmission timer
 * (RFC 6298 §2: SRTT, RTTVAR, RTO = SRTT + 4·RTTVAR). A LAN answers a SYN in a few
 * milliseconds, so waiting the full configured timeout on every silent address would make
 * a sweep of a mostly empty /20 ten times slower than it needs to be; a congested or
 * routed network raises the estimate on its own.
 */
export class ConnectTimer {
  private srtt = 0;
  private rttvar = 0;
  private samples = 0;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
  ) {}

  /** Feeds one answered connect (SYN-ACK or RST). */
  observe(rttMs: number): void {
    if (this.samples === 0) {
      this.srtt = rttMs;
      this.rttvar = rttMs / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - rttMs);
      this.srtt = 0.875 * this.srtt + 0.125 * rttMs;
    }
    this.samples++;
  }

  /** The timeout for the next connect: the configured maximum until a few answers came back. */
  timeoutMs(): number {
    if (this.samples < 4) return this.maxMs;
    const rto = this.srtt + 4 * this.rttvar;
    return Math.min(this.maxMs, Math.max(this.minMs, Math.ceil(rto * 2)));
  }
}
