import type { Location, Practice } from '../../shared/types.js';
import { directoryWriter } from './directory-writer.js';
import type { Executor } from './executor.js';
import type { RepoCache } from './store-types.js';

export interface LocationRow extends Location {
  practice_id: string;
}

const LOCATION_COLUMNS = 'id, practice_id, name, website, street_address, secondary_address, city, state, zip, timezone';

/** Practices, their locations and the sites that embed the widget for them. */
export function createDirectory(ex: Executor, cache: RepoCache) {
  // Writes go through the cache, so none can forget to drop what it kept.
  const write = directoryWriter(ex, cache);
  const INSERT_PRACTICE = 'INSERT INTO practices (id, name, created_at) VALUES (:id, :name, :now)';
  const INSERT_LOCATION = `INSERT INTO locations (${LOCATION_COLUMNS}, created_at)
     VALUES (:id, :practice_id, :name, :website, :street_address, :secondary_address, :city, :state, :zip, :timezone, :now)`;
  const INSERT_SITE = 'INSERT INTO sites (origin, practice_id, created_at) VALUES (:origin, :practice_id, :now)';
  const allLocations = () => ex.all<LocationRow>('SELECT * FROM locations ORDER BY practice_id, id');

  return {
    async createPractice(practice: { id: string; name: string }, now: number, replace = false): Promise<void> {
      await write.run(replace ? `${INSERT_PRACTICE} ON CONFLICT (id) DO UPDATE SET name = excluded.name` : INSERT_PRACTICE, {
        id: practice.id,
        name: practice.name,
        now,
      });
    },
    practice(id: string): Promise<{ id: string; name: string } | undefined> {
      return cache.directory(`practice ${id}`, () => ex.get<{ id: string; name: string }>('SELECT id, name FROM practices WHERE id = :id', { id }));
    },
    /** Every practice with its locations' ids and names; `granted` filters when not '*'. */
    async practices(granted: '*' | ReadonlySet<string>): Promise<Practice[]> {
      const rows = await ex.all<{ id: string; name: string }>('SELECT id, name FROM practices ORDER BY id');
      const locations = await allLocations();
      return rows
        .filter((p) => granted === '*' || granted.has(p.id))
        .map((p) => ({
          id: p.id,
          name: p.name,
          location_ids: locations.filter((l) => l.practice_id === p.id).map((l) => ({ id: l.id, name: l.name })),
        }));
    },
    async createLocation(location: LocationRow, now: number, replace = false): Promise<void> {
      await write.run(
        replace
          ? `${INSERT_LOCATION}
             ON CONFLICT (id) DO UPDATE SET practice_id = excluded.practice_id, name = excluded.name, website = excluded.website,
               street_address = excluded.street_address, secondary_address = excluded.secondary_address, city = excluded.city,
               state = excluded.state, zip = excluded.zip, timezone = excluded.timezone`
          : INSERT_LOCATION,
        { ...location, now },
      );
    },
    location(id: string): Promise<LocationRow | undefined> {
      return cache.directory(`location ${id}`, () => ex.get<LocationRow>('SELECT * FROM locations WHERE id = :id', { id }));
    },
    async locations(granted: '*' | ReadonlySet<string>): Promise<LocationRow[]> {
      return (await allLocations()).filter((l) => granted === '*' || granted.has(l.practice_id));
    },
    async createSite(site: { origin: string; practice_id: string }, now: number, replace = false): Promise<void> {
      await write.run(replace ? `${INSERT_SITE} ON CONFLICT (origin) DO UPDATE SET practice_id = excluded.practice_id` : INSERT_SITE, {
        origin: site.origin,
        practice_id: site.practice_id,
        now,
      });
    },
    /** Removes a practice's site (only its own): the number of sites removed, 0 or 1. */
    removeSite(site: { origin: string; practice_id: string }): Promise<number> {
      return write.run('DELETE FROM sites WHERE origin = :origin AND practice_id = :practice_id', { origin: site.origin, practice_id: site.practice_id });
    },
    /** Read on every BFF request; an origin too long to be a site is not kept. */
    site(origin: string): Promise<{ origin: string; practice_id: string } | undefined> {
      const read = () => ex.get<{ origin: string; practice_id: string }>('SELECT origin, practice_id FROM sites WHERE origin = :origin', { origin });
      return origin.length <= 300 ? cache.directory(`site ${origin}`, read) : read();
    },
  };
}
export type Directory = ReturnType<typeof createDirectory>;
