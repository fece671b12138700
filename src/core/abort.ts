/**
 * One abort listener per signal, however many operations wait on it.
 *
 * A scan shares one AbortSignal per probe across thousands of operations (paced packets,
 * sleeps, connections). Adding an 'abort' listener per operation piles them up on that one
 * signal: past ten at once Node prints MaxListenersExceededWarning, and each listener holds a
 * closure until it is removed. Here the first waiter on a signal installs a single listener,
 * later waiters join its set, and the listener goes away when the set empties.
 */
interface Fanout {
  readonly callbacks: Set<() => void>;
  readonly listener: () => void;
}

const fanouts = new WeakMap<AbortSignal, Fanout>();

/**
 * Calls `onAbort` once when `signal` aborts (synchronously, at once, if it already has).
 * Returns a function that cancels the subscription: call it when the operation ends first.
 */
export function whenAborted(signal: AbortSignal, onAbort: () => void): () => void {
  if (signal.aborted) {
    onAbort();
    return () => undefined;
  }
  let fanout = fanouts.get(signal);
  if (!fanout) {
    const callbacks = new Set<() => void>();
    const listener = () => {
      fanouts.delete(signal);
      for (const fn of callbacks) fn();
      callbacks.clear();
    };
    fanout = { callbacks, listener };
    fanouts.set(signal, fanout);
    signal.addEventListener('abort', listener, { once: true });
  }
  const { callbacks, listener } = fanout;
  // A fresh function per call, so one callback passed twice is two subscriptions.
  const entry = () => onAbort();
  callbacks.add(entry);
  return () => {
    if (!callbacks.delete(entry) || callbacks.size > 0) return;
    signal.removeEventListener('abort', listener);
    if (fanouts.get(signal)?.listener === listener) fanouts.delete(signal);
  };
}

/** Operations currently waiting on `signal` through `whenAborted`. */
export function abortWaiters(signal: AbortSignal): number {
  return fanouts.get(signal)?.callbacks.size ?? 0;
}
