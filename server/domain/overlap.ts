import type { Bookings } from '../db/bookings.js';
import { MINUTE, WEEK, occurrenceStart, occurrencesBetween } from './time.js';

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

const overlaps = (aStart: number, aEnd: number, bStart: number, bEnd: number) => aStart < bEnd && bStart < aEnd;

/** Occurrences of a series near `at` (the week before, of, and after). */
function occurrencesNear(seriesStart: number, timezone: string, at: number): number[] {
  const near = Math.floor((at - seriesStart) / WEEK);
  const starts: number[] = [];
  for (const week of [near - 1, near, near + 1]) if (week >= 0) starts.push(occurrenceStart(seriesStart, timezone, week));
  return starts;
}

/**
 * The id of a live booking of the same doctor of the same practice that `candidate` would overlap, if any.
 * Weekly bookings block every weekly occurrence, at the same wall-clock time in their
 * location's zone; an occurrence that a one-off stands in for is the one-off's to block.
 */
export function findOverlap(bookings: Bookings, candidate: Candidate): string | undefined {
  const end = candidate.start_at + candidate.length * MINUTE;
  const doctor = { practice_id: candidate.practice_id, doctor_id: candidate.doctor_id };
  const series = bookings.seriesOfDoctor(doctor, candidate.recurring ? 8.64e15 : end, candidate.id);

  if (!candidate.recurring) {
    const oneOff = bookings.oneOffOverlapping(doctor, candidate.start_at, end, candidate.id);
    if (oneOff) return oneOff;
    for (const other of series) {
      const replaced = bookings.standIns(other.id);
      for (const start of occurrencesNear(other.start_at, other.timezone, candidate.start_at)) {
        if (!overlaps(candidate.start_at, end, start, start + other.length * MINUTE)) continue;
        if (replaced.has(start) || (other.id === candidate.series_id && start === candidate.start_at)) continue;
        return other.id;
      }
    }
    return undefined;
  }

  // A weekly candidate: every later one-off of the doctor against the candidate's nearby weeks...
  for (const oneOff of bookings.oneOffsEndingAfter(doctor, candidate.start_at, candidate.id)) {
    for (const start of occurrencesNear(candidate.start_at, candidate.timezone, oneOff.start_at)) {
      if (!overlaps(oneOff.start_at, oneOff.end_at, start, start + candidate.length * MINUTE)) continue;
      if (oneOff.series_id === candidate.id && oneOff.start_at === start) continue;
      return oneOff.id;
    }
  }
  // ...and every other weekly booking of the doctor, week by week for a year from when both run.
  for (const other of series) {
    const from = Math.max(candidate.start_at, other.start_at) - WEEK;
    const to = from + (SERIES_HORIZON + 1) * WEEK;
    const mine = occurrencesBetween(candidate.start_at, candidate.timezone, from, to);
    const theirs = occurrencesBetween(other.start_at, other.timezone, from, to);
    for (const a of mine) {
      for (const b of theirs) {
        if (overlaps(a.start, a.start + candidate.length * MINUTE, b.start, b.start + other.length * MINUTE)) return other.id;
      }
    }
  }
  return undefined;
}
