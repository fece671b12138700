/**
 * CPU milliseconds this process spends in `work` (user + system, all threads), for hang guards
 * on synchronous parsers fed hostile input. Wall time would also count the time other processes
 * held the two cores, so a loaded CI machine failed guards that a quadratic parser would miss by
 * orders of magnitude anyway.
 */
export function cpuMillis(work: () => void): number {
  const before = process.cpuUsage();
  work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}
