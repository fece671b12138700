/**
 * The contract between the lab's device runner (test/lab/device.ts) and one simulator.
 * Probe engineers write `test/lab/sims/<name>.ts` against it; `<name>` is the key under
 * `services:` in a fixture's device.yaml. Keep this file stable: every sim depends on it.
 */

export interface SimContext {
  /** Absolute path of the fixture folder, test/fixtures/devices/<vendor>-<model>/. */
  readonly fixtureDir: string;
  /** The `services.<name>` section of device.yaml (an empty object when the key has no body). */
  readonly spec: Record<string, unknown>;
  /** The device's IPv4 address in the lab, e.g. 10.77.0.64. */
  readonly ip: string;
  /** The device's only interface inside its namespace (always `eth0`). */
  readonly iface: string;
  /** The fixture's MAC, lower-case, colon-separated; already set on `iface`. */
  readonly mac: string;
  /** One line to the device's log file (the lab keeps it under .lab-state/<lab id>/). */
  readonly log: (msg: string) => void;
}

export interface RunningSim {
  /** Closes sockets and ends child processes; must resolve within about 2 s. */
  stop(): Promise<void>;
}

/** What `import('./sims/<name>.js')` must provide. */
export interface SimModule {
  start(ctx: SimContext): Promise<RunningSim>;
  /**
   * Optional: programs the sim runs (e.g. `['wsdd']`). The lab checks them on PATH before it
   * builds anything, so a missing Debian package is one clear message, not a half-built lab.
   */
  readonly requires?: readonly string[];
}
