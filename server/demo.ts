import type { Config } from './config.js';
import type { Store } from './db/store.js';
import { isUniqueViolation } from './db/executor.js';
import { createBookingService, type Actor } from './domain/bookings.js';
import { MINUTE, fromWallClock, zoneOffset } from './domain/time.js';
import { HttpError } from './errors.js';
import { hashSecret, newSecret } from './oauth/secrets.js';

export const DEMO_PRACTICE = { id: '3rt42', name: 'ABC 123 Orthodontics' };
export const DEMO_LOCATIONS = [
  {
    id: 'dr556',
    practice_id: DEMO_PRACTICE.id,
    name: 'Springfield',
    website: 'https://www.abc123ortho.com/springfield',
    street_address: '1234 Main Street',
    secondary_address: 'Suite 200',
    city: 'Springfield',
    state: 'IL',
    zip: '62701',
    timezone: 'America/Chicago',
  },
  {
    id: 'b2rGH',
    practice_id: DEMO_PRACTICE.id,
    name: 'Lafayette',
    website: 'https://www.abc123ortho.com/lafayette',
    street_address: '405 Public Road',
    secondary_address: '',
    city: 'Lafayette',
    state: 'CO',
    zip: '80026',
    timezone: 'America/Denver',
  },
];
/** The client that owns the demo bookings (as a practice management system would). */
export const DEMO_OWNER = 'demo-practice-system';
const DAYS = 21;
const DAY_MS = 86_400_000;

/** The origins the demo page is served from: the public URL and its loopback twins. */
function demoOrigins(publicUrl: string): string[] {
  const url = new URL(publicUrl);
  const origins = new Set([url.origin]);
  if (['localhost', '127.0.0.1'].includes(url.hostname)) {
    for (const host of ['localhost', '127.0.0.1']) origins.add(`${url.protocol}//${host}${url.port ? `:${url.port}` : ''}`);
  }
  return [...origins];
}

/** Creates or refreshes the demo practice, its sites and three weeks of open times. Idempotent. */
export async function seedDemo(store: Store, config: Pick<Config, 'publicUrl' | 'now' | 'holdMinutes'>) {
  const at = config.now();
  const ownerHash = (await store.clients.get(DEMO_OWNER)) ? undefined : await hashSecret(newSecret());
  const origins = demoOrigins(config.publicUrl);
  await store.transaction(async (tx) => {
    await tx.directory.createPractice(DEMO_PRACTICE, at, true);
    for (const location of DEMO_LOCATIONS) await tx.directory.createLocation(location, at, true);
    if (ownerHash) {
      await tx.clients.create(
        { id: DEMO_OWNER, name: 'Demo practice management system', secretHash: ownerHash, scopes: ['scheduling:read', 'scheduling:write'], practices: [DEMO_PRACTICE.id] },
        at,
        { ifMissing: true }, // a second process seeding at the same moment made it first
      );
    }
    for (const origin of origins) await tx.directory.createSite({ origin, practice_id: DEMO_PRACTICE.id }, at, true);
  });

  const service = createBookingService(store, config);
  const owner: Actor = { clientId: DEMO_OWNER, scopes: new Set(['scheduling:write']), practices: new Set([DEMO_PRACTICE.id]) };
  let created = 0;
  const offers: Array<Promise<void>> = [];
  const offer = (location: (typeof DEMO_LOCATIONS)[number], day: number, hour: number, minute: number, doctor: string, length: number, recurring: boolean, key?: string) => {
    const zone = location.timezone;
    const today = new Date(at + zoneOffset(at, zone) * MINUTE);
    const wall = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + day, hour, minute);
    const start = fromWallClock(wall, zone);
    if (start <= at) return;
    const input = { start: { ms: start, offset: zoneOffset(start, zone) }, location_id: location.id, doctor_id: doctor, length, recurring, status: 'open' as const };
    const creating = service.create(owner, input, key ?? `demo:${location.id}:${new Date(wall).toISOString().slice(0, 16)}:${doctor}`);
    offers.push(
      creating.then(
        ({ replayed }) => {
          if (!replayed) created += 1;
        },
        (error: unknown) => {
          if (!(error instanceof HttpError)) throw error; // taken meanwhile (a patient's booking): leave it
        },
      ),
    );
  };

  for (const [index, location] of DEMO_LOCATIONS.entries()) {
    const doctors = index === 0 ? ['DD3456', 'DR1001'] : ['DR2001', 'DR2002'];
    // Which days get what follows the calendar, not the day of the run: a run on a later day
    // replays what an earlier one made and adds only the days that came into the window.
    const localToday = Math.floor((at + zoneOffset(at, location.timezone) * MINUTE) / DAY_MS);
    const weekdayOf = (day: number) => new Date((localToday + day) * DAY_MS).getUTCDay();
    for (let day = 0; day < DAYS; day += 1) {
      const weekday = weekdayOf(day);
      if (weekday === 0 || weekday === 6) continue;
      for (const [hour, minute] of [[9, 0], [10, 30], [13, 15]] as const) offer(location, day, hour, minute, doctors[0], 45, false);
      if ((localToday + day) % 2 === 0) for (const [hour, minute] of [[8, 15], [15, 0]] as const) offer(location, day, hour, minute, doctors[1], 30, false);
    }
    // Weekly consultations on Tuesdays and Thursdays, the same wall-clock time every week. Keyed by
    // weekday: a later run, whose next Tuesday is another date, finds the series already made.
    for (const weekday of [2, 4]) {
      const day = [1, 2, 3, 4, 5, 6, 7].find((d) => weekdayOf(d) === weekday)!;
      offer(location, day, 16, 30, doctors[1], 60, true, `demo:${location.id}:weekly:${weekday}:${doctors[1]}`);
    }
  }
  await Promise.all(offers); // one commit for them all
  await store.transaction((tx) => tx.settings.set('demo_seeded_at', String(at)));
  return { practice_id: DEMO_PRACTICE.id, location_ids: DEMO_LOCATIONS.map((l) => l.id), sites: origins, bookings_created: created };
}

/** Seeds the demo data when this database has never had it. */
export async function seedDemoOnFirstStart(store: Store, config: Pick<Config, 'publicUrl' | 'now' | 'holdMinutes'>): Promise<boolean> {
  if (await store.settings.get('demo_seeded_at')) {
    await addDemoOrigins(store, config);
    return false;
  }
  await seedDemo(store, config);
  return true;
}

/**
 * A later process on another address (a second one on another port, sharing the database) serves the demo
 * page too: its origin becomes one of the demo's sites, unless a practice already has it.
 */
async function addDemoOrigins(store: Store, config: Pick<Config, 'publicUrl' | 'now'>): Promise<void> {
  for (const origin of demoOrigins(config.publicUrl)) {
    if (await store.directory.site(origin)) continue;
    try {
      await store.transaction((tx) => tx.directory.createSite({ origin, practice_id: DEMO_PRACTICE.id }, config.now()));
    } catch (error) {
      if (!isUniqueViolation(error)) throw error; // another process starting at the same moment added it
    }
  }
}
