import type { Location, Practice } from '../../shared/types.js';
import type { Db } from './database.js';
import type { ReadCache } from './read-cache.js';

export interface LocationRow extends Location {
  practice_id: string;
}

/** Practices, their locations and the sites that embed the widget for them. */
export function createDirectory(db: Db, cache: ReadCache) {
  // Writes go through the cache, so none can forget to drop what it kept.
  const write = cache.directoryStatement;
  const statements = {
    insertPractice: write(db.prepare('INSERT INTO practices (id, name, created_at) VALUES (:id, :name, :now)')),
    upsertPractice: write(db.prepare(
      'INSERT INTO practices (id, name, created_at) VALUES (:id, :name, :now) ON CONFLICT (id) DO UPDATE SET name = excluded.name',
    )),
    practice: db.prepare('SELECT id, name FROM practices WHERE id = ?'),
    practices: db.prepare('SELECT id, name FROM practices ORDER BY id'),
    insertLocation: write(db.prepare(
      `INSERT INTO locations (id, practice_id, name, website, street_address, secondary_address, city, state, zip, timezone, created_at)
       VALUES (:id, :practice_id, :name, :website, :street_address, :secondary_address, :city, :state, :zip, :timezone, :now)`,
    )),
    upsertLocation: write(db.prepare(
      `INSERT INTO locations (id, practice_id, name, website, street_address, secondary_address, city, state, zip, timezone, created_at)
       VALUES (:id, :practice_id, :name, :website, :street_address, :secondary_address, :city, :state, :zip, :timezone, :now)
       ON CONFLICT (id) DO UPDATE SET practice_id = excluded.practice_id, name = excluded.name, website = excluded.website,
         street_address = excluded.street_address, secondary_address = excluded.secondary_address, city = excluded.city,
         state = excluded.state, zip = excluded.zip, timezone = excluded.timezone`,
    )),
    location: db.prepare('SELECT * FROM locations WHERE id = ?'),
    locations: db.prepare('SELECT * FROM locations ORDER BY practice_id, id'),
    insertSite: write(db.prepare('INSERT INTO sites (origin, practice_id, created_at) VALUES (:origin, :practice_id, :now)')),
    upsertSite: write(db.prepare(
      'INSERT INTO sites (origin, practice_id, created_at) VALUES (:origin, :practice_id, :now) ON CONFLICT (origin) DO UPDATE SET practice_id = excluded.practice_id',
    )),
    site: db.prepare('SELECT origin, practice_id FROM sites WHERE origin = ?'),
    deleteSite: write(db.prepare('DELETE FROM sites WHERE origin = :origin AND practice_id = :practice_id')),
  };


  return {
    createPractice(practice: { id: string; name: string }, now: number, replace = false): void {
      (replace ? statements.upsertPractice : statements.insertPractice).run({ ...practice, now });
          },
    practice(id: string): { id: string; name: string } | undefined {
      return cache.directory(`practice ${id}`, () => statements.practice.get(id) as { id: string; name: string } | undefined);
    },
    /** Every practice with its locations' ids and names; `granted` filters when not '*'. */
    practices(granted: '*' | ReadonlySet<string>): Practice[] {
      const rows = statements.practices.all() as Array<{ id: string; name: string }>;
      const locations = statements.locations.all() as LocationRow[];
      return rows
        .filter((p) => granted === '*' || granted.has(p.id))
        .map((p) => ({
          id: p.id,
          name: p.name,
          location_ids: locations.filter((l) => l.practice_id === p.id).map((l) => ({ id: l.id, name: l.name })),
        }));
    },
    createLocation(location: LocationRow, now: number, replace = false): void {
      (replace ? statements.upsertLocation : statements.insertLocation).run({ ...location, now });
          },
    location(id: string): LocationRow | undefined {
      return cache.directory(`location ${id}`, () => statements.location.get(id) as LocationRow | undefined);
    },
    locations(granted: '*' | ReadonlySet<string>): LocationRow[] {
      return (statements.locations.all() as LocationRow[]).filter((l) => granted === '*' || granted.has(l.practice_id));
    },
    createSite(site: { origin: string; practice_id: string }, now: number, replace = false): void {
      (replace ? statements.upsertSite : statements.insertSite).run({ ...site, now });
          },
    /** Removes a practice's site (only its own): the number of sites removed, 0 or 1. */
    removeSite(site: { origin: string; practice_id: string }): number {
      return statements.deleteSite.run(site).changes;
    },
    /** Read on every BFF request; an origin too long to be a site is not kept. */
    site(origin: string): { origin: string; practice_id: string } | undefined {
      const read = () => statements.site.get(origin) as { origin: string; practice_id: string } | undefined;
      return origin.length <= 300 ? cache.directory(`site ${origin}`, read) : read();
    },
  };
}
export type Directory = ReturnType<typeof createDirectory>;
