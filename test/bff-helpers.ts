// Helpers for the BFF tests: requests as a browser on a practice's site would make them
// (any Origin, any client address on the loopback network), and bookings made through the API.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { Booking, ExtendResponse, HoldChallenge, HoldResponse, ScheduleResponse, SignUp } from '../shared/types.js';
import { zeroBits } from '../shared/proof.js';
import { checkResponse } from './helpers/openapi.js';
import { addClient, addPractice, api, getToken, startServer, type TestServer } from './helpers/server.js';

/** The practice web site the widget is embedded in. */
export const SITE = 'https://ortho.example';

export interface BffAnswer<T = unknown> {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: T;
  text: string;
}

export interface BffRequest {
  method?: string;
  body?: unknown;
  /** The Origin header; null sends none (the server's own page). Default SITE. */
  origin?: string | null;
  contentType?: string;
  /** The patient's address: any 127.x.y.z. Default 127.0.0.1. */
  from?: string;
  headers?: Record<string, string>;
}

/** One request to the BFF over a fresh connection from `from`. */
export function bff<T = any>(server: { url: string }, path: string, request: BffRequest = {}): Promise<BffAnswer<T>> {
  const url = new URL(`/bff/v1${path}`, server.url);
  const payload = request.body === undefined ? undefined : typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
  const headers: Record<string, string> = { ...request.headers };
  const origin = request.origin === undefined ? SITE : request.origin;
  if (origin !== null) headers.origin = origin;
  if (payload !== undefined) {
    headers['content-type'] = request.contentType ?? 'application/json';
    headers['content-length'] = String(Buffer.byteLength(payload));
  }
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method: request.method ?? (payload ? 'POST' : 'GET'), headers, localAddress: request.from, agent: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          try {
            checkResponse(request.method ?? (payload ? 'POST' : 'GET'), url.pathname + url.search, { status: res.statusCode!, contentType: res.headers['content-type'], headers: res.headers, text });
          } catch (mismatch) {
            reject(mismatch);
            return;
          }
          resolve({ status: res.statusCode!, headers: res.headers, body: text ? JSON.parse(text) : undefined, text });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** The address of patient number `n` (1..5000): each in a network (/24) of its own, none in 127.0.0.0/24. */
export const patientAddress = (n: number) => `127.${Math.floor(n / 250)}.${(n % 250) + 2}.1`;

export const PATIENT: SignUp = {
  first_name: 'Zephyrine',
  last_name: 'Quillfeather',
  email: 'zephyrine.quill@example.org',
  phone: '+1 (555) 013-2468',
  date_of_birth: '1987-06-15',
};

export type ApiCall = ReturnType<typeof api>;

/** A server with practice P1 (locations as given) and P2 (location other), SITE registered for P1. */
export async function practiceServer(
  options: Parameters<typeof startServer>[0] & { locations?: Array<{ id: string; timezone: string; name?: string }>; clockAt?: string } = {},
): Promise<{ server: TestServer; owner: ApiCall }> {
  const { locations = [{ id: 'loc1', timezone: 'America/Chicago', name: 'Springfield' }], clockAt, ...rest } = options;
  const server = await startServer(rest);
  if (clockAt) server.clock.now = Date.parse(clockAt);
  await addPractice(server, { id: 'P1' }, locations);
  await addPractice(server, { id: 'P2' }, [{ id: 'other', timezone: 'America/New_York' }]);
  await server.thread.store.directory.createSite({ origin: SITE, practice_id: 'P1' }, Date.now());
  const client = await addClient(server, { id: 'pms', scopes: ['scheduling:read', 'scheduling:write', 'scheduling:patients'], practices: '*' });
  return { server, owner: api(server.url, await getToken(server.url, client)) };
}

/** Creates an open booking (one-off or weekly) as the practice's system would. */
export async function openBooking(
  owner: ApiCall,
  booking: { location_id?: string; doctor_id?: string; start: string; length?: number; recurring?: boolean; status?: 'open' | 'pending' | 'booked' },
): Promise<Booking> {
  const answer = await owner('POST', '/scheduling/bookings', {
    location_id: booking.location_id ?? 'loc1',
    doctor_id: booking.doctor_id ?? 'DOC1',
    start: booking.start,
    length: booking.length ?? 30,
    recurring: booking.recurring ?? false,
    status: booking.status ?? 'open',
  });
  if (answer.status !== 201) throw new Error(`could not create booking: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body as Booking;
}

/** An ISO instant `minutes` after the server's clock, in UTC. */
export const inMinutes = (server: TestServer, minutes: number) => new Date(server.clock.now + minutes * 60_000).toISOString();

export async function schedule(server: { url: string }, locationIds = 'loc1', days = 14, request: BffRequest = {}) {
  return bff<ScheduleResponse>(server, `/schedule?location_ids=${locationIds}&days=${days}`, request);
}

/** A nonce so that SHA-256(challenge + nonce) starts with `bits` zero bits, as the widget finds one. */
export function solveChallenge(challenge: string, bits: number): string {
  for (let n = 0; ; n++) {
    if (zeroBits(createHash('sha256').update(challenge + n).digest()) >= bits) return String(n);
  }
}

/** The proof-of-work challenge for a hold at a location, asked from the patient's address. */
export async function challenge(server: { url: string }, locationId = 'loc1', request: BffRequest = {}) {
  return bff<HoldChallenge>(server, `/holds/challenge?location_id=${locationId}`, { ...request, body: undefined, method: 'GET' });
}

/** A challenge for the location, solved. */
export async function proof(server: { url: string }, locationId = 'loc1', request: BffRequest = {}): Promise<{ challenge: string; nonce: string }> {
  const answer = await challenge(server, locationId, request);
  if (answer.status !== 200) throw new Error(`no challenge: ${answer.status} ${answer.text}`);
  return { challenge: answer.body.challenge, nonce: solveChallenge(answer.body.challenge, answer.body.bits) };
}

/**
 * Holds a slot of the schedule, or a one-off booking as the API returned it, solving the
 * proof of work first as the widget does (or sending `proof` as given; null sends none).
 */
export async function hold(
  server: { url: string },
  slot: { booking_id: string; start_datetime: string } | Booking,
  request: BffRequest & { location_id?: string; website?: string | null; proof?: { challenge: string; nonce: string } | null } = {},
) {
  const { location_id = 'loc1', website = '', proof: given, ...rest } = request;
  const booking_id = 'booking_id' in slot ? slot.booking_id : slot.id;
  const solved = given === undefined ? await proof(server, location_id, rest).catch(() => ({ challenge: 'unsolved', nonce: '0' })) : (given ?? {});
  const body = { location_id, booking_id, start_datetime: slot.start_datetime, ...solved, ...(website === null ? {} : { website }) };
  return bff<HoldResponse>(server, '/holds', { ...rest, body });
}

export async function extend(server: { url: string }, holdToken: string, request: BffRequest = {}) {
  return bff<ExtendResponse>(server, '/holds/extend', { ...request, body: { hold_token: holdToken } });
}

export async function confirm(server: { url: string }, holdToken: string, patient: unknown = PATIENT, request: BffRequest = {}) {
  return bff(server, '/holds/confirm', { ...request, body: { hold_token: holdToken, patient, website: '' } });
}

export async function release(server: { url: string }, holdToken: string, request: BffRequest = {}) {
  return bff(server, '/holds/release', { ...request, body: { hold_token: holdToken } });
}

/** Log lines with the given path (and method), from a server's captured request log. */
export function requestsTo(server: TestServer, path: string | RegExp, method?: string): Array<{ method: string; path: string; status: number }> {
  return server.logs
    .map((line) => JSON.parse(line) as { method?: string; path?: string; status: number })
    .filter((l) => l.path !== undefined && (typeof path === 'string' ? l.path === path : path.test(l.path)) && (!method || l.method === method)) as Array<{
    method: string;
    path: string;
    status: number;
  }>;
}
