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
    hit(key: string): void {
      const list = recent(key);
      list.push(now());
      events.set(key, list);
      if (events.size > maxKeys) events.delete(events.keys().next().value!);
    },
  };
}
