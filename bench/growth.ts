// npm run bench:growth (and the last part of npm run bench): what issue 11's paths cost as the data grows.
// For each size in BENCH_GROWTH_SIZES (default 10000,1000000; "off" skips it) a database is seeded directly
// (200 locations of 20 practices in four zones, 2,000 doctors, 5% weekly), the real server is started on it
// (all sizes at once), and each path is driven through the API one request at a time, in rounds that take
// the sizes in turn: the server's event-loop CPU per answer (from /proc/PID/schedstat), p50 and p99 latency,
// and each server's RSS after the runs (VmRSS). BENCH_GROWTH_REQUESTS (default 300) requests per path and
// size, after 50 unmeasured; the BFF paths take 5 rounds, each waiting out the BFF's 2-second read so every
// answer is a miss.
//
// Every size holds the first size's bookings (the base layer: a year ahead); what a larger size adds lies
// where the first screen does not answer it (booked, pending and closed times in its window, a year of
// history, what lies after the window, weekly bookings that start after it or ended), except in one
// practice, whose open times in the window grow with the data: the first screen is measured both ways.
// BENCH_GROWTH_ONLY=<part of a path's name> runs only those paths; BENCH_GROWTH_NODE_ARGS are given to the
// servers' node (e.g. --cpu-prof).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../server/db/database.js';
import { createStore } from '../server/db/store.js';
import { SCHEDULE_CACHE_MS } from '../server/bff/limits.js';
import { MINUTE, fromWallClock, zoneOffset } from '../server/domain/time.js';
import { hashSecret, newSecret } from '../server/oauth/secrets.js';
import { freePort } from '../test/helpers/process.js';

const sizesText = process.env.BENCH_GROWTH_SIZES ?? '10000,1000000';
if (sizesText === 'off') process.exit(0);
const SIZES = sizesText.split(',').map(Number);
const REQUESTS = Number(process.env.BENCH_GROWTH_REQUESTS ?? 300);
const ROUNDS = 5;
const WARMUP = 50;
const PRACTICES = 20;
const LOCATIONS_PER_PRACTICE = 10;
const DOCTORS = 2000;
const WEEKLY_SHARE = 0.05;
const ZONES = ['America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles'];
/** Seeded bookings: 30 minutes in one of 20 half-hours from 08:00 local, on one of the 365 days from tomorrow. */
const SLOTS = 20;
const DAYS = 365;
const DAY = 86_400_000;
/** The first day after the BFF's window (60 days from now, and a little more read): the sparse rest's live data starts here. */
const AFTER_WINDOW = 63;
/** The one practice whose open times in the window grow with the data (the first screen's dense row). */
const DENSE_PRACTICE = PRACTICES - 1;
const root = path.resolve(import.meta.dirname, '..');

const practiceOf = (doctor: number) => doctor % PRACTICES;
const zoneOf = (practice: number) => ZONES[practice % ZONES.length];
const locationId = (practice: number, i: number) => `p${practice}-l${i}`;
const siteOf = (practice: number) => `https://p${practice}.bench.example`;
/** 00:00 UTC today: day k's wall clock is this plus k days. */
const today = new Date();
const base = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
const weekday = (day: number) => new Date(base + day * DAY).getUTCDay();

/** How many of `total` fall to doctor number `doctor` (the remainder to the first doctors). */
const shareOf = (total: number, doctor: number) => Math.floor(total / DOCTORS) + (doctor < total % DOCTORS ? 1 : 0);
const perDoctor = (size: number, doctor: number) => shareOf(size, doctor);
const weeklyOf = (size: number, doctor: number) => Math.min(perDoctor(size, doctor), shareOf(Math.round(size * WEEKLY_SHARE), doctor));

type Status = 'open' | 'pending' | 'booked' | 'closed';
interface Seeded {
  day: number;
  slot: number;
  recurring: 0 | 1;
  status: Status;
  /** Of the base layer: the same at every size. */
  base: boolean;
}
/** A weekday's half-hour (0..99, Monday 08:00 first) of day `day`'s half-hour `slot`, or -1 at weekends. */
const columnOf = (day: number, slot: number) => {
  const dow = weekday(day);
  return dow >= 1 && dow <= 5 ? (dow - 1) * SLOTS + slot : -1;
};
/** The first day from `from` on that falls on `column`'s weekday. */
const firstDayOf = (column: number, from: number) => from + (((1 + Math.floor(column / SLOTS)) - weekday(from) + 7) % 7);

/** One doctor's bookings, kept apart so that none of its live ones overlap another (as the API would refuse). */
class DoctorCells {
  private taken = new Set<number>();
  /** Live weekly columns, by the day each series starts. */
  private series = new Map<number, number>();
  private oneOffs: Array<{ day: number; column: number }> = [];
  readonly rows: Seeded[] = [];

  addSeries(column: number, day: number, status: Status, base: boolean): boolean {
    if (this.series.has(column)) return false;
    if (status !== 'closed') {
      if (this.oneOffs.some((o) => o.column === column && o.day >= day)) return false;
      this.series.set(column, day);
    }
    this.rows.push({ day, slot: column % SLOTS, recurring: 1, status, base });
    return true;
  }

  addOneOff(day: number, slot: number, status: Status, base: boolean): boolean {
    const cell = (day + 2 * DAYS) * SLOTS + slot;
    const column = columnOf(day, slot);
    const series = this.series.get(column);
    if (this.taken.has(cell) || (series !== undefined && day >= series)) return false;
    this.taken.add(cell);
    this.oneOffs.push({ day, column });
    this.rows.push({ day, slot, recurring: 0, status, base });
    return true;
  }
}

const liveStatus = (roll: number): Status => (roll < 0.85 ? 'open' : roll < 0.95 ? 'booked' : 'pending');

/**
 * A doctor's bookings at `size`: the base layer (the first size's, the same at every size), then the rest.
 * In the base layer weekly bookings start in the first week and one-offs fall on the next 365 days, 85%
 * open. The rest lies where the BFF's first screen (60 days from now) does not answer it: one-offs in
 * the window are booked, pending or closed; before it (a year of history) booked or closed; after it as
 * in the base layer; weekly bookings start after the window (their weeks fall elsewhere) or ended
 * (closed) in the past. Only the dense practice's rest is spread like its base layer, open times in the
 * window included: the first screen there answers more as the data grows.
 */
function doctorBookings(baseSize: number, size: number, doctor: number, random: { base: () => number; rest: () => number }): Seeded[] {
  const cells = new DoctorCells();
  // Weekly ones on weekdays (Monday to Friday), each its own half-hour of the week.
  const baseWeekly = weeklyOf(baseSize, doctor);
  while (cells.rows.length < baseWeekly) {
    const column = Math.floor(random.base() * 5 * SLOTS);
    cells.addSeries(column, firstDayOf(column, 1), 'open', true);
  }
  for (let n = baseWeekly; n < perDoctor(baseSize, doctor); ) {
    const day = 1 + Math.floor(random.base() * DAYS);
    const slot = Math.floor(random.base() * SLOTS);
    if (cells.addOneOff(day, slot, liveStatus(random.base()), true)) n += 1;
  }
  const dense = practiceOf(doctor) === DENSE_PRACTICE;
  const restWeekly = weeklyOf(size, doctor) - baseWeekly;
  const restTotal = perDoctor(size, doctor) - perDoctor(baseSize, doctor);
  for (let n = 0, tries = 0; n < restWeekly && tries < 10_000; tries += 1) {
    const column = Math.floor(random.rest() * 5 * SLOTS);
    const roll = random.rest();
    const ended = !dense && roll < 0.2;
    const from = dense ? 1 : ended ? -DAYS + Math.floor(roll * 5 * DAYS) : AFTER_WINDOW + Math.floor(roll * (DAYS - AFTER_WINDOW));
    if (cells.addSeries(column, firstDayOf(column, from), ended ? 'closed' : 'open', false)) n += 1;
  }
  for (let n = restWeekly; n < restTotal; ) {
    const roll = random.rest();
    const day = dense ? 1 + Math.floor(random.rest() * DAYS) : -DAYS + Math.floor(random.rest() * 2 * DAYS);
    const slot = Math.floor(random.rest() * SLOTS);
    const status: Status =
      dense || day >= AFTER_WINDOW ? liveStatus(roll)
      : day >= -1 ? (roll < 0.7 ? 'booked' : roll < 0.8 ? 'pending' : 'closed')
      : roll < 0.8 ? 'booked' : 'closed';
    if (cells.addOneOff(day, slot, status, false)) n += 1;
  }
  return cells.rows;
}

/** A small deterministic generator, so both sizes are seeded alike. */
function mulberry32(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function seed(file: string, baseSize: number, size: number): Promise<{ clientId: string; secret: string; openOneOffs: string[] }> {
  const store = createStore(file);
  const now = Date.now();
  const secret = newSecret();
  const clientId = 'growth-bench';
  const secretHash = await hashSecret(secret);
  await store.transaction(async (tx) => {
    for (let p = 0; p < PRACTICES; p += 1) {
      await tx.directory.createPractice({ id: `p${p}`, name: `Practice ${p}` }, now);
      for (let i = 0; i < LOCATIONS_PER_PRACTICE; i += 1) {
        await tx.directory.createLocation(
          { id: locationId(p, i), practice_id: `p${p}`, name: `Location ${i}`, website: '', street_address: '', secondary_address: '', city: '', state: '', zip: '', timezone: zoneOf(p) },
          now,
        );
      }
      await tx.directory.createSite({ origin: siteOf(p), practice_id: `p${p}` }, now);
    }
    await tx.clients.create(
      { id: clientId, name: clientId, secretHash, scopes: ['scheduling:read', 'scheduling:write', 'scheduling:book'], practices: '*' },
      now,
    );
  });
  await store.close();

  // The bookings in bulk, in one transaction, as the data layer would write them.
  const db = openDatabase(file);
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  const insert = db.prepare(
    `INSERT INTO bookings (id, location_id, practice_id, doctor_id, start_at, start_offset, length, end_at, status, recurring,
       series_id, created_by, held_by, hold_expires_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, 30, ?, ?, ?, NULL, ?, ?, NULL, ?, ?)`,
  );
  // Two streams: the base layer draws only from its own, so it is the same at every size.
  const random = { base: mulberry32(11), rest: mulberry32(12) };
  let n = 0;
  /** Open one-offs of the base layer in the second and third months, of every other doctor, for the bench to hold (the same at every size). */
  const openOneOffs: string[] = [];
  db.transaction(() => {
    for (let doctor = 0; doctor < DOCTORS; doctor += 1) {
      const practice = practiceOf(doctor);
      const zone = zoneOf(practice);
      for (const { day, slot, recurring, status, base: inBase } of doctorBookings(baseSize, size, doctor, random)) {
        const start = fromWallClock(base + day * DAY + (8 * 60 + slot * 30) * MINUTE, zone);
        const id = `g${(n += 1).toString(36)}`;
        if (inBase && !recurring && status === 'open' && day >= 30 && day < 90 && openOneOffs.length < 1000 && doctor % 2 === 1) openOneOffs.push(id);
        insert.run(
          id,
          locationId(practice, Math.floor((inBase ? random.base : random.rest)() * LOCATIONS_PER_PRACTICE)),
          `p${practice}`,
          `d${doctor}`,
          start,
          zoneOffset(start, zone),
          start + 30 * MINUTE,
          status,
          recurring,
          clientId,
          status === 'open' || status === 'closed' ? null : clientId,
          now,
          now,
        );
      }
    }
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.exec('ANALYZE');
  db.close();
  return { clientId, secret, openOneOffs };
}

/** Time the process's main thread (the event loop) has run on a CPU, in microseconds. */
const loopCpu = (pid: number) => Number(fs.readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1000;
const status = (pid: number, field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
const rss = (pid: number) => status(pid, 'VmRSS');
/** RSS in MB, with its anonymous part (the heaps) and the part mapped from files (code, libraries). */
const rssText = (pid: number) => `RSS ${(rss(pid) / 2 ** 20).toFixed(0)} MB (anon ${(status(pid, 'RssAnon') / 2 ** 20).toFixed(0)}, file ${(status(pid, 'RssFile') / 2 ** 20).toFixed(0)})`;
const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * q))];

/** One size's server, seeded and started. */
interface Target {
  size: number;
  seedSeconds: number;
  url: string;
  pid: number;
  server: ChildProcess;
  work: string;
  headers: Record<string, string>;
  openOneOffs: string[];
}

async function start(size: number): Promise<Target> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'thread-growth-'));
  const file = path.join(work, 'growth.sqlite');
  const seeding = performance.now();
  const client = await seed(file, Math.min(...SIZES), size);
  const seedSeconds = (performance.now() - seeding) / 1000;
  process.stderr.write(`growth: seeded ${size} bookings in ${seedSeconds.toFixed(0)} s\n`);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), DATABASE_PATH: file, PUBLIC_URL: url, THREAD_DEMO: 'off' };
  delete env.THREAD_ISSUER;
  const server = spawn(process.execPath, [...(process.env.BENCH_GROWTH_NODE_ARGS ?? '').split(' ').filter(Boolean), '--import', 'tsx', 'server/main.ts'], { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(server);
  for (let i = 0; ; i += 1) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (i > 600) throw new Error('server did not become ready');
    await new Promise((r) => setTimeout(r, 100));
  }
  const tokenResponse = await fetch(`${url}/oauth2/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${client.clientId}:${client.secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  return { size, seedSeconds, url, pid: server.pid!, server, work, headers, openOneOffs: client.openOneOffs };
}

interface Path {
  name: string;
  expect: number;
  /** Request number `i` of this path to `target` (counting on across rounds, so each creates something new). */
  request: (target: Target, i: number) => Promise<Response>;
  perRound: number;
  /** Unmeasured requests to each target first, so no figure includes compiling the path. */
  warmup: number;
  /** Before each round on one target. */
  beforeRound?: (target: Target) => Promise<void>;
  /** How many items (rows, slots) an answer held. */
  count?: (body: string) => number;
  /** Report CPU per item counted, not per answer. */
  perCount?: boolean;
  /** The first measured answer's items, as the table shows them. */
  note?: (items: number) => string;
}

const post = (target: Target, body: object) => fetch(`${target.url}/scheduling/bookings`, { method: 'POST', headers: target.headers, body: JSON.stringify(body) });
/** Night-time (from 20:00 local) five-minute bookings: the seeded ones are all 08:00-18:00, so these overlap nothing. */
const night = (zone: string, day: number, nth: number) => new Date(fromWallClock(base + day * DAY + (20 * 60 + nth * 5) * MINUTE, zone)).toISOString();
const bffRoundAt = new Map<Target, number>();
/** The practices the first screen's same-answer row asks: all but the dense one. */
const SPARSE_PRACTICES = PRACTICES - 1;
const schedule = (t: Target, practice: number, days: number) => {
  const ids = Array.from({ length: LOCATIONS_PER_PRACTICE }, (_, k) => locationId(practice, k)).join(',');
  return fetch(`${t.url}/bff/v1/schedule?location_ids=${ids}&days=${days}`, { headers: { origin: siteOf(practice) } });
};
/** Waits out the BFF's read of the last round (SCHEDULE_CACHE_MS), so every answer of this round is a miss. */
const waitOutReads = async (t: Target) => {
  const wait = (bffRoundAt.get(t) ?? 0) + SCHEDULE_CACHE_MS + 100 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  bffRoundAt.set(t, Date.now());
};
const slotsIn = (body: string) => (JSON.parse(body) as { locations: Array<{ slots: unknown[] }> }).locations.reduce((n, l) => n + l.slots.length, 0);
const paths: Path[] = [
  {
    // Doctor 0 has the most weekly bookings (seeding gives the remainder to the first doctors).
    name: 'create a one-off, doctor with the most weekly bookings',
    expect: 201,
    perRound: Math.ceil(REQUESTS / ROUNDS),
    warmup: WARMUP,
    request: (t, i) => post(t, { start: night(zoneOf(0), 1 + (i % 300), Math.floor(i / 300)), location_id: locationId(0, i % 10), doctor_id: 'd0', length: 5, status: 'open' }),
  },
  {
    name: 'create a weekly booking (each of another doctor)',
    expect: 201,
    perRound: Math.ceil(REQUESTS / ROUNDS),
    warmup: WARMUP,
    request: (t, i) => {
      const doctor = (i * 7) % DOCTORS;
      const practice = practiceOf(doctor);
      const start = night(zoneOf(practice), 1 + (i % 7), 24 + Math.floor((i * 7) / DOCTORS));
      return post(t, { start, location_id: locationId(practice, 0), doctor_id: `d${doctor}`, length: 5, recurring: true });
    },
  },
  {
    name: 'hold a one-off (open to pending)',
    expect: 200,
    perRound: Math.ceil(REQUESTS / ROUNDS),
    warmup: WARMUP,
    request: (t, i) => fetch(`${t.url}/scheduling/bookings/${t.openOneOffs[i % t.openOneOffs.length]}`, { method: 'PUT', headers: t.headers, body: '{"status":"pending"}' }),
  },
  {
    // A page of 25 is a full page at every size; (practice, week) never repeats, so no answer is a kept one.
    name: "a practice's bookings of one week (25 a page)",
    expect: 200,
    perRound: Math.ceil(REQUESTS / ROUNDS),
    warmup: WARMUP,
    request: (t, i) => {
      const from = base + (7 + Math.floor(i / PRACTICES)) * DAY;
      const query = `from=${new Date(from).toISOString()}&to=${new Date(from + 7 * DAY).toISOString()}&limit=25`;
      return fetch(`${t.url}/scheduling/practices/p${i % PRACTICES}/bookings?${query}`, { headers: t.headers });
    },
    count: (body) => (JSON.parse(body) as unknown[]).length,
    note: (rows) => `${rows} rows`,
  },
  {
    // A practice's 10 locations for 60 days, from its own site. A round asks each sparse practice once, after
    // waiting out the BFF's read of the last round (SCHEDULE_CACHE_MS): every answer is worked out anew. The
    // same slots at every size: what the data adds lies where the answer does not reach.
    name: 'BFF first screen, a miss (10 locations, 60 days; the same slots at both sizes)',
    expect: 200,
    perRound: SPARSE_PRACTICES,
    warmup: SPARSE_PRACTICES,
    request: (t, i) => schedule(t, i % SPARSE_PRACTICES, 60),
    beforeRound: waitOutReads,
    count: slotsIn,
    note: (slots) => `${slots} slots`,
  },
  {
    // The dense practice: its open times in the window grow with the data (28k slots at 1M). A round asks
    // 60, 59, ... 56 days (each its own read, so each a miss); the cost is per slot answered.
    name: 'BFF first screen, dense: CPU per slot answered (open slots grow with the data)',
    expect: 200,
    perRound: 5,
    warmup: 5,
    request: (t, i) => schedule(t, DENSE_PRACTICE, 60 - (i % 5)),
    beforeRound: waitOutReads,
    count: slotsIn,
    perCount: true,
    note: (slots) => `${slots} slots`,
  },
];

interface Tally {
  cpu: number;
  latencies: number[];
  items: number;
  note?: string;
}

/** `count` requests of `path` to `target`, one at a time; each must answer as expected. */
async function drive(target: Target, path: Path, counter: Map<Target, number>, count: number, tally?: Tally): Promise<void> {
  await path.beforeRound?.(target);
  for (let n = 0; n < count; n += 1) {
    const i = counter.get(target) ?? 0;
    counter.set(target, i + 1);
    const before = loopCpu(target.pid);
    const started = performance.now();
    const response = await path.request(target, i);
    const body = await response.text();
    const elapsed = performance.now() - started;
    if (response.status !== path.expect) throw new Error(`${path.name} at ${target.size}: ${response.status} ${body.slice(0, 300)}`);
    if (!tally) continue;
    tally.cpu += loopCpu(target.pid) - before;
    tally.latencies.push(elapsed);
    const items = path.count?.(body) ?? 1;
    tally.items += items;
    tally.note ??= path.note?.(items);
  }
}

const children: ChildProcess[] = [];
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));
const targets: Target[] = [];
for (const size of SIZES) targets.push(await start(size));
for (const t of targets) process.stderr.write(`growth: ${t.size} bookings, server ready, ${rssText(t.pid)}\n`);

// Each path round by round, the sizes in turn within each round: a load from elsewhere on the machine
// falls on every size alike.
const tallies = new Map<Path, Map<Target, Tally>>();
// BENCH_GROWTH_ONLY=BFF: only the paths whose name has that in it (to look into one with a profiler).
const only = process.env.BENCH_GROWTH_ONLY;
const measured = paths.filter((p) => !only || p.name.includes(only));
for (const path of measured) {
  const counter = new Map<Target, number>();
  const byTarget = new Map(targets.map((t) => [t, { cpu: 0, latencies: [], items: 0 } as Tally]));
  tallies.set(path, byTarget);
  for (const t of targets) await drive(t, path, counter, path.warmup);
  for (let round = 0; round < ROUNDS; round += 1) for (const t of targets) await drive(t, path, counter, path.perRound, byTarget.get(t));
  for (const t of targets) process.stderr.write(`growth: ${path.name}: done at ${t.size}, ${rssText(t.pid)}\n`);
}
const rssAfter = new Map(targets.map((t) => [t, rss(t.pid)]));
for (const t of targets) {
  t.server.kill('SIGTERM');
  await once(t.server, 'exit');
  // BENCH_GROWTH_KEEP=1 leaves the databases, to look into with sqlite3 or a profiler.
  if (process.env.BENCH_GROWTH_KEEP === '1') process.stderr.write(`growth: ${t.size} bookings kept in ${t.work}\n`);
  else fs.rmSync(t.work, { recursive: true, force: true });
}

const label = (size: number) => (size >= 1e6 ? `${size / 1e6}M` : `${size / 1e3}k`);
const first = targets[0];
const last = targets[targets.length - 1];
const lines = [
  '',
  `Growth (${os.cpus().length} cores, Node ${process.version}): each path ${ROUNDS} rounds, the sizes in turn, one request at a time after ${WARMUP} unmeasured ` +
    `(the BFF: rounds of ${SPARSE_PRACTICES} misses, and of 5 for the dense practice, after one unmeasured round); CPU is the server's event loop per answer (µs), latency p50 / p99 (ms). ` +
    `Seeding took ${targets.map((t) => `${t.seedSeconds.toFixed(0)} s at ${label(t.size)}`).join(', ')}.`,
  '',
  `| path | ${targets.map((t) => `${label(t.size)}: CPU µs, p50 / p99 ms`).join(' | ')} | CPU ratio ${label(last.size)} / ${label(first.size)} (target ≤ 1.2) |`,
  `| --- | ${targets.map(() => '---:').join(' | ')} | ---: |`,
];

for (const path of measured) {
  const byTarget = tallies.get(path)!;
  const cpuOf = (tally: Tally) => tally.cpu / (path.perCount ? tally.items : tally.latencies.length);
  const cells = targets.map((t) => {
    const tally = byTarget.get(t)!;
    return `${cpuOf(tally).toFixed(path.perCount ? 1 : 0)}${path.perCount ? ' per slot' : ''}, ${quantile(tally.latencies, 0.5).toFixed(2)} / ${quantile(tally.latencies, 0.99).toFixed(2)}${tally.note ? ` (${tally.note})` : ''}`;
  });
  lines.push(`| ${path.name} | ${cells.join(' | ')} | ${(cpuOf(byTarget.get(last)!) / cpuOf(byTarget.get(first)!)).toFixed(2)} |`);
}
lines.push(`| server RSS after the runs (target < 300 MB) | ${targets.map((t) => `${(rssAfter.get(t)! / 2 ** 20).toFixed(0)} MB`).join(' | ')} | |`);
process.stdout.write(lines.join('\n') + '\n');
