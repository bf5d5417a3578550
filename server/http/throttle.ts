/** Counts events per key in a sliding window: how many, and how long until the oldest leaves it. */
export function createWindowCounter(options: { limit: number; windowMs: number; now: () => number; maxKeys?: number }) {
  const { limit, windowMs, now } = options;
  const maxKeys = options.maxKeys ?? 50_000;
  const events = new Map<string, number[]>();

  function recent(key: string): number[] {
    const since = now() - windowMs;
    const list = (events.get(key) ?? []).filter((t) => t > since);
    if (list.length === 0) events.delete(key);
    else events.set(key, list);
    return list;
  }

  return {
    /** Seconds until `key` may go on; 0 when it is under the limit. */
    retryAfter(key: string): number {
      const list = recent(key);
      if (list.length < limit) return 0;
      return Math.max(1, Math.ceil((list[list.length - limit] + windowMs - now()) / 1000));
    },
    /** Counts one event now; returns its time, for `forget`. */
    hit(key: string): number {
      const at = now();
      const list = recent(key);
      list.push(at);
      events.set(key, list);
      if (events.size > maxKeys) events.delete(events.keys().next().value!);
      return at;
    },
    /** Uncounts an event `hit` counted (one counted before its outcome was known, that turned out not to count). */
    forget(key: string, at: number): void {
      const list = events.get(key);
      const index = list ? list.lastIndexOf(at) : -1;
      if (index >= 0) list!.splice(index, 1);
      if (list && list.length === 0) events.delete(key);
    },
  };
}
