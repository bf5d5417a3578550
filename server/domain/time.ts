// Instants, offsets and wall-clock time in IANA zones, with nothing but Intl (asked once per zone and span).

export const MINUTE = 60_000;
export const WEEK = 7 * 24 * 60 * MINUTE;

export interface Instant {
  /** Milliseconds since the epoch. */
  ms: number;
  /** Minutes east of UTC, as the instant was written. */
  offset: number;
}

/** An ISO 8601 date-time with an offset, as this API takes one (the calendar is checked by parseInstant). */
export const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Parses an ISO 8601 date-time with an offset; undefined when it is not one. */
export function parseInstant(text: string): Instant | undefined {
  const m = ISO.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s = '0', frac = '', zone] = m;
  if (frac.length > 3 && /[1-9]/.test(frac.slice(3))) return undefined; // finer than a millisecond
  const fields = [Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s)];
  const [year, month, day, hour, minute, second] = fields;
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined;
  let offset = 0;
  if (zone !== 'Z') {
    const digits = zone.replace(':', '');
    const oh = Number(digits.slice(1, 3));
    const om = Number(digits.slice(3, 5));
    if (oh > 18 || om > 59) return undefined;
    offset = (digits[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const millis = Number((frac + '000').slice(0, 3));
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  const ms = utc - offset * MINUTE;
  if (!Number.isFinite(ms) || year < 1900 || year > 9999) return undefined;
  return { ms, offset };
}

const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, '0');

/** `2018-10-25T16:44:02.722-06:00`: the instant written with the given offset. */
export function formatInstant(ms: number, offset: number): string {
  const local = new Date(ms + offset * MINUTE);
  const sign = offset < 0 ? '-' : '+';
  return (
    `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
    `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}` +
    `.${pad(local.getUTCMilliseconds(), 3)}${sign}${pad(Math.trunc(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`
  );
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True for a real IANA zone name such as America/Denver (not an offset or abbreviation). */
export function isTimeZone(name: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(name) || name.length > 64) return false;
  try {
    formatter(name);
    return true;
  } catch {
    return false;
  }
}

/** Minutes east of UTC in `timeZone` at the instant `ms`, asked of Intl (a few microseconds a call). */
export function intlZoneOffset(ms: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const asUtc = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return Math.round((asUtc - (ms - (((ms % 1000) + 1000) % 1000))) / MINUTE);
}

/**
 * A zone's offsets over one span of time: the offset at its start and each change in it (second-aligned
 * instants, as Intl resolves them). Made once from Intl, then every look-up in the span is a scan of a
 * handful of numbers: the overlap rule, weekly occurrences and the BFF's slots ask for offsets week by
 * week, and Intl per call was two thirds of their CPU at 578k bookings (issue 11's profile).
 */
interface Span {
  first: number;
  /** [instant, offset from that instant on], ascending. */
  changes: Array<[number, number]>;
}
/** 2^35 ms, about 398 days: a span holds at most a couple of daylight-saving changes. */
const SPAN_MS = 2 ** 35;
/** Samples 12 hours apart: no zone changes its offset twice within 12 hours. */
const SAMPLE_MS = 12 * 3_600_000;
/** Spans kept for all zones together: past this they are made again as needed (each takes ~800 Intl calls). */
const MAX_SPANS = 20_000;
const spans = new Map<string, Span>();

function makeSpan(index: number, timeZone: string): Span {
  const start = index * SPAN_MS;
  const end = start + SPAN_MS;
  const first = intlZoneOffset(start, timeZone);
  const changes: Array<[number, number]> = [];
  let before = first;
  for (let t = start; t < end; t += SAMPLE_MS) {
    const next = Math.min(t + SAMPLE_MS, end);
    const after = intlZoneOffset(next, timeZone);
    if (after === before) continue;
    // The change lies in (t, next]: halve down to the second it takes effect.
    let lo = Math.floor(t / 1000);
    let hi = Math.floor(next / 1000);
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (intlZoneOffset(mid * 1000, timeZone) === before) lo = mid;
      else hi = mid;
    }
    changes.push([hi * 1000, after]);
    before = after;
  }
  return { first, changes };
}

function spanOf(index: number, timeZone: string): Span {
  const key = `${timeZone} ${index}`;
  let span = spans.get(key);
  if (!span) {
    if (spans.size >= MAX_SPANS) spans.clear();
    span = makeSpan(index, timeZone);
    spans.set(key, span);
  }
  return span;
}

/** Minutes east of UTC in `timeZone` at the instant `ms` (the same answer as Intl, from a table of the zone's changes). */
export function zoneOffset(ms: number, timeZone: string): number {
  const span = spanOf(Math.floor(ms / SPAN_MS), timeZone);
  let offset = span.first;
  for (const [at, after] of span.changes) {
    if (ms < at) break;
    offset = after;
  }
  return offset;
}

/** The least and greatest offsets (minutes east of UTC) `timeZone` has from `from` to `to` (ms). */
export function offsetRange(from: number, to: number, timeZone: string): { min: number; max: number } {
  let min = zoneOffset(from, timeZone);
  let max = min;
  for (let index = Math.floor(from / SPAN_MS); index * SPAN_MS < to; index += 1) {
    for (const [at, offset] of spanOf(index, timeZone).changes) {
      if (at <= from || at >= to) continue;
      min = Math.min(min, offset);
      max = Math.max(max, offset);
    }
  }
  return { min, max };
}

/** The instant in `timeZone` whose wall clock reads `wall` (a UTC-based ms of the wall-clock fields).
 * In a spring-forward gap the later side is taken, so the time moves forward, never back. */
export function fromWallClock(wall: number, timeZone: string): number {
  const first = wall - zoneOffset(wall, timeZone) * MINUTE;
  const second = wall - zoneOffset(first, timeZone) * MINUTE;
  if (first === second) return first;
  // Two candidates: one is right unless the wall time does not exist; take the one that reads back.
  const readsBack = (t: number) => t + zoneOffset(t, timeZone) * MINUTE === wall;
  if (readsBack(first) && readsBack(second)) return Math.min(first, second);
  if (readsBack(second)) return second;
  if (readsBack(first)) return first;
  return Math.max(first, second);
}

/** The wall clock of `ms` in `timeZone`, as a UTC-based ms (so date arithmetic is plain). */
export function toWallClock(ms: number, timeZone: string): number {
  return ms + zoneOffset(ms, timeZone) * MINUTE;
}

/** The start of occurrence `week` of a weekly series: same wall-clock time, `week` weeks on. */
export function occurrenceStart(seriesStart: number, timeZone: string, week: number): number {
  return fromWallClock(toWallClock(seriesStart, timeZone) + week * WEEK, timeZone);
}

/** Week indexes and starts of a weekly series' occurrences that begin in [from, to). */
export function occurrencesBetween(
  seriesStart: number,
  timeZone: string,
  from: number,
  to: number,
): Array<{ week: number; start: number }> {
  const out: Array<{ week: number; start: number }> = [];
  let week = Math.max(0, Math.floor((from - seriesStart) / WEEK) - 1);
  for (;;) {
    const start = occurrenceStart(seriesStart, timeZone, week);
    if (start >= to) break;
    if (start >= from) out.push({ week, start });
    week += 1;
  }
  return out;
}

/** Which week of the series starts exactly at `ms`, if any. */
export function occurrenceWeek(seriesStart: number, timeZone: string, ms: number): number | undefined {
  if (ms < seriesStart) return undefined;
  const near = Math.round((ms - seriesStart) / WEEK);
  for (const week of [near - 1, near, near + 1]) {
    if (week >= 0 && occurrenceStart(seriesStart, timeZone, week) === ms) return week;
  }
  return undefined;
}
