import type { Slot } from '../../shared/types.js';

// Every date and time is shown on the location's wall clock, in the widget's
// language, through Intl: the patient's own time zone never enters into it.

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(lang: string, timeZone: string, options: Intl.DateTimeFormatOptions) {
  const key = `${lang}|${timeZone}|${JSON.stringify(options)}`;
  let found = formatters.get(key);
  if (!found) {
    found = new Intl.DateTimeFormat(lang, { ...options, timeZone });
    formatters.set(key, found);
  }
  return found;
}

/**
 * A page's first Intl formatter costs some 50 ms on a phone (Chromium with 4x CPU throttling:
 * ICU loads its data), whatever its options. Made while the schedule is on its way, that time
 * is not paid after it arrives (npm run bench:widget).
 */
export function warmUp(lang: string): void {
  formatter(lang, 'UTC', { hour: 'numeric' });
}

function capitalize(text: string, lang: string): string {
  return text.charAt(0).toLocaleUpperCase(lang) + text.slice(1);
}

/** "Mountain Standard Time" (`long`, right for one instant) or "Mountain Time" (`longGeneric`). */
export function zoneName(
  date: Date,
  timeZone: string,
  lang: string,
  style: 'long' | 'longGeneric' = 'long',
): string {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = formatter(lang, timeZone, { timeZoneName: style }).formatToParts(date);
  } catch {
    // Browsers before 2022 know no generic names ("Mountain Time").
    parts = formatter(lang, timeZone, { timeZoneName: 'long' }).formatToParts(date);
  }
  return parts.find((part) => part.type === 'timeZoneName')?.value ?? timeZone;
}

/** "Tuesday, January 15" (or with the year). */
export function dayName(date: Date, timeZone: string, lang: string, withYear = false): string {
  const options: Intl.DateTimeFormatOptions = { weekday: 'long', month: 'long', day: 'numeric' };
  if (withYear) options.year = 'numeric';
  return capitalize(formatter(lang, timeZone, options).format(date), lang);
}

/** "9:00 AM" / "9:00". */
export function clockTime(date: Date, timeZone: string, lang: string): string {
  return formatter(lang, timeZone, { hour: 'numeric', minute: '2-digit' }).format(date);
}

/** YYYY-MM-DD on the location's calendar, in the widget's own language: a second language would cost Intl a second load. */
function dayKey(date: Date, timeZone: string, lang: string): string {
  const parts = formatter(lang, timeZone, { year: 'numeric', month: '2-digit', day: '2-digit', numberingSystem: 'latn' }).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value;
  return `${part('year')}-${part('month')}-${part('day')}`;
}

export interface TimeChoice {
  slot: Slot;
  /** What the button shows: "9:00 AM". */
  time: string;
  /** What the button is called: "Tuesday, January 15, 9:00 AM Mountain Standard Time". */
  label: string;
}

export interface Day {
  key: string;
  heading: string;
  times: TimeChoice[];
}

/** Slots (ordered by start) grouped by the location's calendar day; days without times do not appear. */
export function groupByDay(slots: readonly Slot[], timeZone: string, lang: string): Day[] {
  const days: Day[] = [];
  const ordered = slots
    .map((slot) => ({ slot, start: new Date(slot.start_datetime) }))
    .filter(({ start }) => !Number.isNaN(start.getTime()))
    .sort((a, b) => a.start.getTime() - b.start.getTime());
  for (const { slot, start } of ordered) {
    const key = dayKey(start, timeZone, lang);
    let day = days[days.length - 1];
    if (!day || day.key !== key) {
      day = { key, heading: dayName(start, timeZone, lang), times: [] };
      days.push(day);
    }
    const time = clockTime(start, timeZone, lang);
    day.times.push({
      slot,
      time,
      label: `${day.heading}, ${time} ${zoneName(start, timeZone, lang)}`,
    });
  }
  return days;
}

/** mm:ss */
export function countdown(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}
