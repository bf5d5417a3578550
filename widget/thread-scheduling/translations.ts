import type { BffReason, FieldProblem, SignUpField } from '../../shared/types.js';

/** Every string the widget shows or announces. Dates, times, weekdays, months
 * and zone names are not here: Intl formats them in the widget's language. */
export interface Translation {
  title: string;
  loading: string;
  chooseLocation: string;
  chooseTime: string;
  /** The zone's name, e.g. "Mountain Time". */
  timesIn: (zone: string) => string;
  noTimes: (days: number) => string;
  noTimesHere: (location: string, days: number) => string;
  retry: string;
  moreDays: string;
  allRequired: string;
  selectedTime: string;
  holdFor: string;
  heldAnnouncement: (when: string, minutes: number) => string;
  /** A warning before the hold ends, at this many seconds left. */
  timeLeft: (seconds: number) => string;
  askForMoreTime: string;
  moreTime: string;
  timeAdded: (minutes: number) => string;
  noMoreTime: string;
  holdExpired: string;
  slotTaken: string;
  changeTime: string;
  yourDetails: string;
  fields: Record<SignUpField, string>;
  confirm: string;
  confirming: string;
  fixFields: (count: number) => string;
  fieldErrors: Record<Exclude<FieldProblem, 'invalid'>, string> & {
    invalid: Record<SignUpField, string>;
  };
  booked: string;
  bookedIntro: string;
  date: string;
  time: string;
  where: string;
  addToCalendar: string;
  calendarSummary: (location: string) => string;
  /** The manage step's heading (a link to a booked appointment). */
  manageTitle: string;
  /** The booked step's private link to cancel or move, and what to know about it. */
  manageLink: string;
  manageLinkHint: string;
  /** The calendar file's description, with that link. */
  calendarManage: (url: string) => string;
  reasons: Partial<Record<BffReason, string>>;
  rateLimited: (seconds: number | null) => string;
  missingLocations: string;
  network: string;
  generic: string;
}

export const en: Translation = {
  title: 'Book an appointment',
  loading: 'Loading open times…',
  chooseLocation: 'Location',
  chooseTime: 'Choose a time',
  timesIn: (zone) => `Times are in ${zone}.`,
  noTimes: (days) =>
    `There are no open times in the next ${days} days. Please check back soon or call the practice.`,
  noTimesHere: (location, days) =>
    `${location} has no open times in the next ${days} days. Please choose another location or call the practice.`,
  retry: 'Try again',
  moreDays: 'Show more days',
  allRequired: 'All fields are required.',
  selectedTime: 'Your appointment',
  holdFor: 'Held for you for',
  heldAnnouncement: (when, minutes) =>
    `${when} is held for you. Please fill in your details within ${minutes} minutes.`,
  timeLeft: (seconds) =>
    seconds >= 60
      ? `${Math.round(seconds / 60)} minutes left to confirm your appointment.`
      : `${seconds} seconds left to confirm your appointment.`,
  askForMoreTime: 'Need longer? Choose “More time”.',
  moreTime: 'More time',
  timeAdded: (minutes) => `More time added: the time is held for you for ${minutes} minutes.`,
  noMoreTime: 'This time cannot be held any longer. Please confirm before the countdown ends.',
  holdExpired: 'Your hold on that time ran out. Please choose a time again.',
  slotTaken: 'Sorry, someone else just booked that time. Here are the times that are still open.',
  changeTime: 'Choose another time',
  yourDetails: 'Your details',
  fields: {
    first_name: 'First name',
    last_name: 'Last name',
    email: 'Email',
    phone: 'Phone',
    date_of_birth: 'Date of birth',
  },
  confirm: 'Confirm appointment',
  confirming: 'Booking…',
  fixFields: (count) =>
    count === 1 ? 'Please correct 1 field.' : `Please correct ${count} fields.`,
  fieldErrors: {
    required: 'Please fill in this field.',
    too_long: 'This is too long.',
    in_future: 'The date of birth cannot be in the future.',
    too_old: 'Please check the year of birth.',
    invalid: {
      first_name: 'Please check the first name.',
      last_name: 'Please check the last name.',
      email: 'Enter an email address like name@example.com.',
      phone: 'Enter a phone number with at least 7 digits.',
      date_of_birth: 'Enter a valid date.',
    },
  },
  booked: 'You’re booked',
  bookedIntro: 'Your appointment is confirmed. We look forward to seeing you.',
  date: 'Date',
  time: 'Time',
  where: 'Where',
  addToCalendar: 'Add to calendar',
  calendarSummary: (location) => `Appointment at ${location}`,
  manageTitle: 'Your appointment',
  manageLink: 'Change or cancel this appointment',
  manageLinkHint: 'This link is private: anyone who has it can change or cancel your appointment. It is in the calendar file too.',
  calendarManage: (url) => `To change or cancel this appointment: ${url}`,
  reasons: {
    site_not_registered:
      'Online booking is not set up for this website yet. Please call the practice to book.',
    location_not_allowed:
      'Online booking is not set up for this location. Please call the practice to book.',
    unknown_location:
      'We could not find this practice location. Please call the practice to book.',
    too_many_holds:
      'You are already holding several times. Please finish one booking, or try again in a few minutes.',
    upstream_unavailable: 'Online booking is unavailable right now. Please try again in a few minutes.',
  },
  rateLimited: (seconds) =>
    seconds
      ? `Too many tries. Please wait ${seconds} seconds and try again.`
      : 'Too many tries. Please wait a moment and try again.',
  missingLocations:
    'Online booking is not set up correctly on this page. Please call the practice to book.',
  network: 'We could not connect to the booking service. Please check your connection and try again.',
  generic: 'Something went wrong. Please try again.',
};

/** English is built in; another language is a chunk of its own, fetched when a page asks for it. */
export const translations: Record<Language, () => Promise<Translation>> = {
  en: () => Promise.resolve(en),
  es: () => import('./translations-es.js').then((module) => module.es),
};
export type Language = 'en' | 'es';

/** `es-MX` -> `es`; anything unknown falls back to English. */
export function languageOf(lang: string | null | undefined): Language {
  const base = (lang ?? '').trim().toLowerCase().split('-')[0];
  return base === 'es' ? 'es' : 'en';
}
