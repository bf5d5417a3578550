import { WEEK_MINUTES, type Bookings, type SeriesRow } from '../db/bookings.js';
import { MINUTE, WEEK, occurrenceStart, occurrencesBetween, offsetRange, zoneOffset } from './time.js';

/** A booking as the overlap rule sees it. */
export interface Candidate {
  /** '' for a booking not stored yet. */
  id: string;
  /** The booking's practice: only its bookings can overlap (a doctor belongs to one practice). */
  practice_id: string;
  doctor_id: string;
  start_at: number;
  length: number;
  recurring: boolean;
  timezone: string;
  /** For a one-off standing in for a week of a series: the series. */
  series_id: string | null;
}

/** How far ahead two weekly series are compared: a year covers every daylight-saving shift. */
const SERIES_HORIZON = 53;
/** A booking lasts at most a day (the API's limit on length, in minutes). */
const LONGEST = 1440;
/**
 * How far (minutes) a weekly booking's occurrences stray in UTC from its first one's minute of the week.
 * They keep their wall-clock time in their location's zone, so they move with the zone's offset: daylight
 * saving moves it an hour (two at Antarctica/Troll). Three hours covers every zone's yearly changes; a
 * zone jumping further for good (as Samoa crossed the date line in 2011) would need its weekly bookings
 * made again. Plus a minute: `week_minute` is rounded down.
 */
const DRIFT = 3 * 60 + 1;
const DAY = 24 * 60 * MINUTE;

const overlaps = (aStart: number, aEnd: number, bStart: number, bEnd: number) => aStart < bEnd && bStart < aEnd;

/** The minute of the week (UTC, from Thursday 00:00 as the epoch began) of `ms`, with its fraction. */
const weekMinute = (ms: number) => (((ms % WEEK) + WEEK) % WEEK) / MINUTE;

/** Whether `x` lies strictly between `lo` and `hi` round the week (hi - lo less than a week). */
const between = (x: number, lo: number, hi: number) => {
  const past = (((x - lo) % WEEK_MINUTES) + WEEK_MINUTES) % WEEK_MINUTES;
  return past > 0 && past < hi - lo;
};

/**
 * The doctor's live weekly bookings that might meet `candidate`, read by an index range on their minute
 * of the week: those whose occurrences, drifting up to DRIFT either way, can reach the candidate's
 * (itself drifting as much when weekly). The rest of the doctor's weekly bookings are never read.
 */
async function seriesNear(bookings: Bookings, candidate: Candidate, before: number): Promise<SeriesRow[]> {
  const doctor = { practice_id: candidate.practice_id, doctor_id: candidate.doctor_id };
  const at = weekMinute(candidate.start_at);
  const reach = DRIFT + (candidate.recurring ? DRIFT : 0);
  const rows = await bookings.seriesNear(doctor, Math.floor(at - LONGEST - reach), Math.ceil(at + candidate.length + reach) + 1, before, candidate.id);
  return rows.filter((other) => between(other.week_minute, at - other.length - reach, at + candidate.length + reach));
}

/** Occurrences of a series near `at` (the week before, of, and after). */
function occurrencesNear(seriesStart: number, timezone: string, at: number): number[] {
  const near = Math.floor((at - seriesStart) / WEEK);
  const starts: number[] = [];
  for (const week of [near - 1, near, near + 1]) if (week >= 0) starts.push(occurrenceStart(seriesStart, timezone, week));
  return starts;
}

type Weekly = Pick<SeriesRow, 'start_at' | 'length' | 'timezone'>;

/**
 * Where in the week (UTC minutes, unwrapped) a series' occurrences from `from` to `to` can lie, start of the
 * first to end of the last: its first week's time moved by as much as its zone's offset moves meanwhile.
 */
function weekWindow(series: Weekly, from: number, to: number): [number, number] {
  const { min, max } = offsetRange(from - DAY, to + DAY, series.timezone);
  const first = weekMinute(series.start_at) + zoneOffset(series.start_at, series.timezone);
  return [first - max, first - min + series.length];
}

/** Whether two weekly series meet on any week within a year of when both run (a walk along both in step). */
function seriesMeet(a: Weekly, b: Weekly): boolean {
  const from = Math.max(a.start_at, b.start_at) - WEEK;
  const to = from + (SERIES_HORIZON + 1) * WEEK;
  // Most series near each other in the week are hours apart in fact: their windows, with the zones' real
  // changes, tell them apart without the walk.
  const [aFrom, aTo] = weekWindow(a, from, to);
  const [bFrom, bTo] = weekWindow(b, from, to);
  if (!between(bFrom, aFrom - (bTo - bFrom), aTo)) return false;
  const mine = occurrencesBetween(a.start_at, a.timezone, from, to);
  const theirs = occurrencesBetween(b.start_at, b.timezone, from, to);
  let i = 0;
  let j = 0;
  while (i < mine.length && j < theirs.length) {
    const aEnd = mine[i].start + a.length * MINUTE;
    const bEnd = theirs[j].start + b.length * MINUTE;
    if (overlaps(mine[i].start, aEnd, theirs[j].start, bEnd)) return true;
    if (aEnd <= bEnd) i += 1;
    else j += 1;
  }
  return false;
}

/**
 * The id of a live booking of the same doctor of the same practice that `candidate` would overlap, if any.
 * Weekly bookings block every weekly occurrence, at the same wall-clock time in their
 * location's zone; an occurrence that a one-off stands in for is the one-off's to block.
 *
 * Every read is an index range whose size does not grow with the doctor's bookings (issue 11): one-offs
 * by one step back from each span to check (bookings.oneOffMeeting), weekly bookings by their minute of
 * the week (seriesNear). `npm run bench` measures it at 10k and 1M bookings (bench/growth.ts).
 */
export async function findOverlap(bookings: Bookings, candidate: Candidate): Promise<string | undefined> {
  const end = candidate.start_at + candidate.length * MINUTE;
  const doctor = { practice_id: candidate.practice_id, doctor_id: candidate.doctor_id };

  if (!candidate.recurring) {
    // Asked together: on PostgreSQL both reads go out at once on the write's connection, in one round trip,
    // while the doctor's lock is held (the weekly bookings are read for nothing when a one-off meets it).
    const [oneOff, near] = await Promise.all([bookings.oneOffMeeting(doctor, [[candidate.start_at, end]], candidate.id, ''), seriesNear(bookings, candidate, end)]);
    if (oneOff) return oneOff;
    for (const other of near) {
      for (const start of occurrencesNear(other.start_at, other.timezone, candidate.start_at)) {
        if (!overlaps(candidate.start_at, end, start, start + other.length * MINUTE)) continue;
        if (other.id === candidate.series_id && start === candidate.start_at) continue;
        if (await bookings.standIn(other.id, start)) continue;
        return other.id;
      }
    }
    return undefined;
  }

  // A weekly candidate: each of its weeks within the span of the doctor's live one-offs against them
  // (one that overlaps a week starts less than a day before it ends)...
  const starts = await bookings.startsFrom(doctor, candidate.start_at - DAY);
  if (starts) {
    const from = Math.max(candidate.start_at, starts.first - DAY);
    const weeks = occurrencesBetween(candidate.start_at, candidate.timezone, from, starts.last + DAY);
    const spans = weeks.map(({ start }) => [start, start + candidate.length * MINUTE] as const);
    const oneOff = await bookings.oneOffMeeting(doctor, spans, candidate.id, candidate.id);
    if (oneOff) return oneOff;
  }
  // ...and the weekly bookings near its time of the week, week by week for a year from when both run.
  return (await seriesNear(bookings, candidate, Number.MAX_SAFE_INTEGER)).find((other) => seriesMeet(candidate, other))?.id;
}
