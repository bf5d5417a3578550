// Which practice each location belongs to, and how the location presents itself, as the
// booking API tells it. Read briefly cached: every schedule and hold needs it.
import type { Location } from '../../shared/types.js';
import { isTimeZone } from '../domain/time.js';
import { DIRECTORY_MISS_REFRESH_MS, DIRECTORY_TTL_MS } from './limits.js';
import type { Upstream } from './upstream.js';

export interface KnownLocation {
  location: Location;
  practiceId: string;
}

interface Snapshot {
  at: number;
  locations: Map<string, KnownLocation>;
}

const text = (value: unknown) => (typeof value === 'string' ? value : '');

export function createLocationDirectory(upstream: Upstream, now: () => number) {
  let snapshot: Snapshot | undefined;
  let loading: Promise<Snapshot> | undefined;

  async function load(): Promise<Snapshot> {
    const [practices, locations] = await Promise.all([upstream.get('/scheduling/practices'), upstream.get('/scheduling/locations')]);
    if (practices.status !== 200 || !Array.isArray(practices.body)) upstream.unexpected(practices, 'GET', '/scheduling/practices');
    if (locations.status !== 200 || !Array.isArray(locations.body)) upstream.unexpected(locations, 'GET', '/scheduling/locations');

    const practiceOf = new Map<string, string>();
    for (const practice of practices.body as Array<{ id?: unknown; location_ids?: unknown }>) {
      if (typeof practice?.id !== 'string' || !Array.isArray(practice.location_ids)) continue;
      for (const entry of practice.location_ids as Array<{ id?: unknown }>) {
        if (typeof entry?.id === 'string') practiceOf.set(entry.id, practice.id);
      }
    }
    const known = new Map<string, KnownLocation>();
    for (const raw of locations.body as Array<Record<string, unknown>>) {
      const id = raw?.id;
      const practiceId = typeof id === 'string' ? practiceOf.get(id) : undefined;
      // A location without a zone we can compute in would show wrong times: leave it out.
      if (typeof id !== 'string' || !practiceId || typeof raw.timezone !== 'string' || !isTimeZone(raw.timezone)) continue;
      known.set(id, {
        practiceId,
        location: {
          id,
          name: text(raw.name),
          website: text(raw.website),
          street_address: text(raw.street_address),
          secondary_address: text(raw.secondary_address),
          city: text(raw.city),
          state: text(raw.state),
          zip: text(raw.zip),
          timezone: raw.timezone,
        },
      });
    }
    return { at: now(), locations: known };
  }

  function reload(): Promise<Snapshot> {
    loading ??= load()
      .then((loaded) => (snapshot = loaded))
      .finally(() => {
        loading = undefined;
      });
    return loading;
  }

  return {
    /** The location and its practice; undefined when the API does not know it. */
    async find(id: string): Promise<KnownLocation | undefined> {
      let current = snapshot && now() - snapshot.at < DIRECTORY_TTL_MS ? snapshot : await reload();
      // A location created a moment ago: look again, but not on every unknown id a stranger sends.
      if (!current.locations.has(id) && now() - current.at >= DIRECTORY_MISS_REFRESH_MS) current = await reload();
      return current.locations.get(id);
    },
  };
}
export type LocationDirectory = ReturnType<typeof createLocationDirectory>;
