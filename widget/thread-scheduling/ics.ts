// An iCalendar (RFC 5545) file for "Add to calendar", made in the browser.

const encoder = new TextEncoder();

export interface CalendarEvent {
  uid: string;
  start: Date;
  end: Date;
  summary: string;
  location: string;
  /** Plain text, e.g. how to change or cancel. */
  description?: string;
  url?: string;
  /** Raised with each change of the same event (RFC 5545 3.8.7.4), so a calendar replaces the copy it has. */
  sequence?: number;
}

/**
 * The event's UID: one per appointment for the life of its manage link, so a moved appointment's file replaces
 * the event the booked step's file made instead of adding a second one at the old time. Derived from the link's
 * secret by SHA-256 (which tells nothing of it); without a link, or where the browser offers no digest (a page
 * not served over HTTPS), the booking's id.
 */
export async function appointmentUid(manageUrl: string | undefined, bookingId: string): Promise<string> {
  const secret = manageUrl?.split('#')[1];
  if (secret && globalThis.crypto?.subtle) {
    try {
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(`thread-scheduling calendar ${secret}`)));
      const base64 = btoa(String.fromCharCode(...digest.subarray(0, 16)));
      return `${base64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}@thread-scheduling`;
    } catch {
      // The booking's id below.
    }
  }
  return `${bookingId}@thread-scheduling`;
}

/** 20300115T160000Z */
export function utcStamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** TEXT values escape backslash, semicolon, comma and newlines (RFC 5545 3.3.11). */
export function escapeText(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\r\n|\r|\n/g, '\\n');
}


/** Lines longer than 75 octets are folded with CRLF + space (RFC 5545 3.1). */
function fold(line: string): string {
  let out = '';
  let octets = 0;
  for (const char of line) {
    const size = encoder.encode(char).length;
    if (octets + size > 75) {
      out += '\r\n ';
      octets = 1;
    }
    out += char;
    octets += size;
  }
  return out;
}

export function calendarFile(event: CalendarEvent, now: Date = new Date()): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Thread//Online Scheduling//EN',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    'BEGIN:VEVENT',
    `UID:${escapeText(event.uid)}`,
    `DTSTAMP:${utcStamp(now)}`,
    `DTSTART:${utcStamp(event.start)}`,
    `DTEND:${utcStamp(event.end)}`,
    ...(event.sequence ? [`SEQUENCE:${event.sequence}`] : []),
    `SUMMARY:${escapeText(event.summary)}`,
    `LOCATION:${escapeText(event.location)}`,
  ];
  if (event.description) lines.push(`DESCRIPTION:${escapeText(event.description)}`);
  if (event.url) lines.push(`URL:${event.url}`);
  lines.push('END:VEVENT', 'END:VCALENDAR');
  return lines.map(fold).join('\r\n') + '\r\n';
}
