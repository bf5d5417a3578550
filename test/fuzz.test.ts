// Thousands of generated malformed requests against every route of the API, the token
// endpoint and the BFF: every answer is a 4xx JSON error of the contract's shape, the server
// stays up, and the stored data is unchanged.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { openTestDatabase } from './helpers/database.js';
import { addClient, addPractice, api, getToken, startServer, type TestServer } from './helpers/server.js';

const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 4000);
const SITE = 'https://fuzz.example';

let server: TestServer;
let token: string;
let bookingId: string;
let seriesId: string;

/** A small seeded PRNG, so a failure can be replayed with FUZZ_SEED. */
function prng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick<T>(items: readonly T[]): T {
      return items[Math.floor(next() * items.length)];
    },
  };
}
const seed = Number(process.env.FUZZ_SEED ?? 20261123);
const random = prng(seed);

const ODD_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\u0000\u0001\u0002',
  '%00',
  '%ff%fe',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '"; DROP TABLE bookings; --',
  '\uD800',
  '\u202Eevil',
  '𝕿𝖍𝖗𝖊𝖆𝖉',
  'null',
  'undefined',
  'NaN',
  '-1',
  '1e309',
  '0x10',
  '2026-02-30T10:00:00Z',
  '2026-11-24T10:00:00',
  '2026-11-24T25:00:00Z',
  '9999-99-99T99:99:99+99:99',
  '2026-11-24T10:00:00.1234567+01:00',
  '*',
  '__proto__',
  'constructor',
  'a'.repeat(300),
  'é'.repeat(5000),
];
const ODD_VALUES: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  4,
  1441,
  1e308,
  -0,
  [],
  [1, 2],
  {},
  { $gt: '' },
  { __proto__: { admin: true } },
  ...ODD_STRINGS,
];

/** Percent-encodes, or writes a lone surrogate's raw (invalid UTF-8) bytes. */
function encode(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return '%ED%A0%80';
  }
}

function oddValue(): unknown {
  return random.next() < 0.1 ? 'x'.repeat(random.int(60_000)) : random.pick(ODD_VALUES);
}

/** A JSON-ish body that is wrong in one or more ways. */
function badBody(fields: string[]): string {
  switch (random.int(8)) {
    case 0:
      return random.pick(['{', '{"start":', '[', '{"a":1,}', "{'a':1}", 'nul', '{"a":1}{"b":2}', '\u0000', '{"a":"\\u12"}']);
    case 1:
      return JSON.stringify(random.pick(ODD_VALUES));
    case 2:
      return JSON.stringify({ [random.pick(ODD_STRINGS) || 'unknown']: oddValue() });
    case 3:
      return '{"a":' + '['.repeat(5000) + ']'.repeat(5000) + '}';
    case 4:
      return JSON.stringify({ x: 'y'.repeat(110 * 1024) });
    default: {
      const body: Record<string, unknown> = {};
      for (const field of fields) if (random.next() < 0.6) body[field] = oddValue();
      body[random.pick(fields)] = oddValue();
      // Always wrong somewhere, however the other fields came out.
      if (random.next() < 0.5) body.length = random.pick([4, 1441, 'x', null, 1.5, -60]);
      else body[random.pick(ODD_STRINGS.filter((k) => k !== '__proto__')) || 'extra'] = 1;
      return JSON.stringify(body);
    }
  }
}

function oddQuery(): string {
  const parts: string[] = [];
  for (let i = random.int(4); i >= 0; i -= 1) {
    const key = random.pick(['status', 'from', 'to', 'limit', 'cursor', 'status[]', 'x', '', '%ff', 'location_ids', 'days', '__proto__']);
    const value = random.pick([...ODD_STRINGS.map(encode), '%', '%zz', '0', '501', 'abc', 'closed', 'OPEN', '-5']);
    parts.push(`${key}=${value}`);
  }
  if (random.next() < 0.05) for (let i = 0; i < 1000; i += 1) parts.push(`status=open`);
  parts.push(random.pick(['limit=0', 'x=1', 'status=nope', 'from=yesterday', 'cursor=%zz', 'days=0', 'limit=501']));
  return parts.join('&');
}

const BOOKING_FIELDS = ['start', 'status', 'recurring', 'length', 'location_id', 'doctor_id', 'patient'];
const HOLD_FIELDS = ['location_id', 'booking_id', 'start_datetime', 'website', 'hold_token', 'patient'];

interface Attempt {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  kind: 'api' | 'oauth' | 'bff';
}

function oddId(): string {
  return random.pick([
    encode(random.pick(ODD_STRINGS)) || 'x',
    '%ff',
    '%2e%2e',
    'a%2Fb',
    '..',
    'no-such-booking',
    'x'.repeat(200),
  ]);
}

function attempt(): Attempt {
  const auth = random.next() < 0.85 ? `Bearer ${token}` : random.pick(['', 'Bearer', 'Bearer x.y.z', `Basic ${token}`, token.slice(0, -3) + 'abc', 'Bearer ' + 'e'.repeat(5000)]);
  const json = { authorization: auth, 'content-type': random.next() < 0.85 ? 'application/json' : random.pick(['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', '', 'multipart/form-data']) };
  switch (random.int(12)) {
    case 0:
      return { kind: 'api', method: 'GET', path: `/scheduling/locations/${random.next() < 0.5 ? 'loc1' : oddId()}/bookings?${oddQuery()}`, headers: json };
    case 1:
      return { kind: 'api', method: 'GET', path: `/scheduling/practices/${random.next() < 0.5 ? 'p1' : oddId()}/bookings?${oddQuery()}`, headers: json };
    case 2:
      return { kind: 'api', method: 'GET', path: `/scheduling/bookings/${oddId()}${random.next() < 0.3 ? '/patient' : ''}`, headers: { authorization: random.next() < 0.5 ? 'Bearer nope' : auth } };
    case 3:
    case 4:
      return { kind: 'api', method: 'POST', path: '/scheduling/bookings', headers: { ...json, ...(random.next() < 0.2 ? { 'idempotency-key': random.pick(['', 'k'.repeat(300), 'é']) } : {}) }, body: badBody(BOOKING_FIELDS) };
    case 5:
      return { kind: 'api', method: 'PUT', path: `/scheduling/bookings/${random.next() < 0.6 ? random.pick([bookingId, seriesId]) : oddId()}`, headers: json, body: badBody(BOOKING_FIELDS) };
    case 6:
      return { kind: 'api', method: random.pick(['DELETE', 'PATCH', 'POST', 'PUT']), path: random.pick([`/scheduling/bookings/${oddId()}`, '/scheduling/practices', '/scheduling/locations', `/scheduling/${oddId()}`]), headers: { authorization: random.next() < 0.5 ? 'Bearer nope' : auth } };
    case 7:
    case 8: {
      const form = random.pick([
        'grant_type=client_credentials',
        'grant_type=password&username=a&password=b',
        'grant_type=client_credentials&grant_type=client_credentials',
        'grant_type=client_credentials&scope=scheduling:admin',
        `grant_type=${encode(random.pick(ODD_STRINGS))}`,
        '%%%',
        'a'.repeat(120 * 1024),
        '',
      ]);
      const basic = random.pick([
        `Basic ${Buffer.from(`${random.pick(['c1', 'nobody', '', ':'])}:${random.pick(ODD_STRINGS)}`).toString('base64')}`,
        'Basic !!!',
        'Basic',
        'Bearer x',
        '',
      ]);
      return { kind: 'oauth', method: random.pick(['POST', 'POST', 'POST', 'GET', 'PUT']), path: '/oauth2/token', headers: { authorization: basic, 'content-type': random.pick(['application/x-www-form-urlencoded', 'application/json', '']) }, body: form };
    }
    case 9:
      return { kind: 'bff', method: 'GET', path: `/bff/v1/schedule?${random.next() < 0.5 ? `location_ids=${random.pick(['loc1', '', 'loc1,' + 'x,'.repeat(30), oddId(), 'loc1,%ff'])}&days=${random.pick(['0', '61', 'x', '-1', '1e3', '14.5'])}` : oddQuery()}`, headers: { origin: random.pick([SITE, 'https://evil.example', 'null', '']) } };
    default:
      return {
        kind: 'bff',
        method: 'POST',
        path: random.pick(['/bff/v1/holds', '/bff/v1/holds/release', '/bff/v1/holds/confirm', '/bff/v1/nope']),
        headers: { origin: random.pick([SITE, SITE, 'https://evil.example']), 'content-type': random.pick(['application/json', 'text/plain', 'application/xml']) },
        body: badBody(HOLD_FIELDS),
      };
  }
}

/** Sends a request with node:http, so malformed paths and headers go out as written. */
function send(request: Attempt, localAddress?: string): Promise<{ status: number; type: string; body: string }> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const headers = Object.fromEntries(Object.entries(request.headers).filter(([, v]) => v !== ''));
    const req = http.request({ host: url.hostname, port: url.port, method: request.method, path: request.path, headers, agent: false, ...(localAddress ? { localAddress } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString() }));
    });
    // The server may answer (413) and close before a huge body is sent: that is fine.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? resolve({ status: -1, type: '', body: '' }) : reject(error)));
    req.end(request.body);
  });
}

/** Everything stored, as text: what must not change (each table's rows in an order of their own, as either engine keeps them). */
async function snapshot(): Promise<string> {
  const db = await openTestDatabase(server.databasePath);
  try {
    const tables = ['practices', 'locations', 'clients', 'client_practices', 'bookings', 'sign_ups', 'idempotency_keys', 'sites', 'bff_holds'];
    const rows = await Promise.all(tables.map(async (t) => (await db.all(`SELECT * FROM ${t}`)).map((row) => JSON.stringify(row)).sort()));
    return JSON.stringify(rows);
  } finally {
    await db.close();
  }
}

before(async () => {
  server = await startServer();
  await addPractice(server, { id: 'p1' }, [{ id: 'loc1', timezone: 'America/Denver' }]);
  await server.thread.store.directory.createSite({ origin: SITE, practice_id: 'p1' }, Date.now());
  const client = await addClient(server, { id: 'c1', scopes: ['scheduling:read', 'scheduling:write', 'scheduling:book', 'scheduling:patients'], practices: ['p1'] });
  token = await getToken(server.url, client);
  const call = api(server.url, token);
  const start = new Date(Date.now() + 2 * 86_400_000).toISOString();
  bookingId = ((await call('POST', '/scheduling/bookings', { start, location_id: 'loc1', doctor_id: 'd1', status: 'open' })).body as { id: string }).id;
  const weekly = new Date(Date.now() + 3 * 86_400_000).toISOString();
  seriesId = ((await call('POST', '/scheduling/bookings', { start: weekly, location_id: 'loc1', doctor_id: 'd2', status: 'open', recurring: true })).body as { id: string }).id;
});

after(() => server.close());

test(`${REQUESTS} malformed requests: each a 4xx JSON error, no 5xx, data unchanged (seed ${seed})`, async () => {
  const before = await snapshot();
  const failures: string[] = [];
  let sent = 0;
  while (sent < REQUESTS) {
    const batch = Array.from({ length: Math.min(25, REQUESTS - sent) }, attempt);
    sent += batch.length;
    // Spread over many loopback addresses, as many clients would be: malformed requests are throttled per address.
    const answers = await Promise.all(batch.map((request, i) => send(request, `127.1.0.${((sent - batch.length + i) % 250) + 1}`)));
    for (const [i, answer] of answers.entries()) {
      const request = batch[i];
      if (answer.status === -1) continue;
      const where = `${request.method} ${request.path.slice(0, 80)} -> ${answer.status} ${answer.body.slice(0, 120)}`;
      if (answer.status < 400 || answer.status >= 500) {
        failures.push(`not a 4xx: ${where}`);
        continue;
      }
      if (!answer.type.startsWith('application/json')) {
        failures.push(`not JSON: ${where}`);
        continue;
      }
      const body = JSON.parse(answer.body) as Record<string, unknown>;
      const contractShape = typeof body.status === 'string' && typeof body.message === 'string';
      const oauthShape = request.kind === 'oauth' && typeof body.error === 'string' && typeof body.error_description === 'string';
      if (!contractShape && !oauthShape) failures.push(`wrong error shape: ${where}`);
    }
    if (failures.length > 20) break;
  }
  assert.deepEqual(failures, []);
  assert.equal(await snapshot(), before, 'stored data changed');
  const health = await fetch(`${server.url}/healthz`);
  assert.equal(health.status, 200, 'the server is still up');
  assert.equal(server.logs.filter((line) => line.includes('"level":"error"')).length, 0, 'no errors were logged');
});

/**
 * Requests shaped to make a parser work hard: tens of thousands of distinct names, very long
 * names, JSON nested as deep as the body limit allows. Each must be refused with a 4xx JSON
 * error quickly, and the server must keep answering others (a /healthz sent alongside) meanwhile.
 */
test('hostile shapes: many or long parameter names and deep JSON are refused fast, and /healthz stays fast', async () => {
  const manyNames = (count: number) => Array.from({ length: count }, (_, i) => i.toString(36)).join('&');
  const deepArray = (bytes: number) => '['.repeat(bytes / 2) + ']'.repeat(bytes / 2);
  const deepObject = (bytes: number) => {
    const levels = Math.floor(bytes / 6);
    return '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
  };
  const form = manyNames(25_000);
  assert.ok(form.length > 90_000 && form.length < 100 * 1024, `the form is ${form.length} bytes`);
  // What fits Node's 16 KB of request line and headers.
  const query = manyNames(3_000);
  assert.ok(query.length < 15_000);
  const formHeaders = { authorization: 'Basic ' + Buffer.from('c1:x').toString('base64'), 'content-type': 'application/x-www-form-urlencoded' };
  const jsonApi = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const jsonBff = { origin: SITE, 'content-type': 'application/json' };
  const hostile: Attempt[] = [
    { kind: 'oauth', method: 'POST', path: '/oauth2/token', headers: formHeaders, body: form },
    { kind: 'oauth', method: 'POST', path: '/oauth2/token', headers: formHeaders, body: `grant_type=client_credentials&${'k'.repeat(90_000)}=1` },
    { kind: 'oauth', method: 'POST', path: '/oauth2/token', headers: formHeaders, body: `grant_type=${'v'.repeat(90_000)}` },
    { kind: 'api', method: 'GET', path: `/scheduling/locations/loc1/bookings?${query}`, headers: { authorization: `Bearer ${token}` } },
    { kind: 'api', method: 'GET', path: `/scheduling/practices/p1/bookings?${'status=open&'.repeat(1_200)}`, headers: { authorization: `Bearer ${token}` } },
    { kind: 'api', method: 'GET', path: `/scheduling/locations/loc1/bookings?${'k'.repeat(14_000)}=1`, headers: { authorization: `Bearer ${token}` } },
    { kind: 'bff', method: 'GET', path: `/bff/v1/schedule?${query}`, headers: { origin: SITE } },
    { kind: 'bff', method: 'GET', path: `/bff/v1/schedule?location_ids=loc1&${'k'.repeat(14_000)}=1`, headers: { origin: SITE } },
    { kind: 'api', method: 'POST', path: '/scheduling/bookings', headers: jsonApi, body: deepArray(100 * 1024) },
    { kind: 'api', method: 'POST', path: '/scheduling/bookings', headers: jsonApi, body: deepObject(100 * 1024 - 10) },
    { kind: 'api', method: 'POST', path: '/scheduling/bookings', headers: jsonApi, body: JSON.stringify({ ['k'.repeat(90_000)]: 1 }) },
    { kind: 'api', method: 'POST', path: '/scheduling/bookings', headers: jsonApi, body: JSON.stringify(Object.fromEntries(Array.from({ length: 9_000 }, (_, i) => [`k${i}`, 1]))) },
    { kind: 'bff', method: 'POST', path: '/bff/v1/holds', headers: jsonBff, body: deepArray(100 * 1024) },
    { kind: 'bff', method: 'POST', path: '/bff/v1/holds', headers: jsonBff, body: deepObject(100 * 1024 - 10) },
    { kind: 'bff', method: 'POST', path: '/bff/v1/holds', headers: jsonBff, body: JSON.stringify({ location_id: Array.from({ length: 20_000 }, () => 1) }) },
  ];
  const health: number[] = [];
  let pending = hostile.length;
  const poll = (async () => {
    while (pending > 0) {
      const started = performance.now();
      const answer = await fetch(`${server.url}/healthz`);
      await answer.arrayBuffer();
      health.push(performance.now() - started);
    }
  })();
  const answers = await Promise.all(
    hostile.map(async (request, i) => {
      const started = performance.now();
      const answer = await send(request, `127.0.9.${i + 1}`);
      pending -= 1;
      return { request, answer, ms: performance.now() - started };
    }),
  );
  await poll;
  assert.ok(health.length > 0);
  assert.ok(Math.max(...health) < 500, `/healthz took up to ${Math.round(Math.max(...health))} ms`);
  for (const { request, answer, ms } of answers) {
    const where = `${request.method} ${request.path.slice(0, 60)} ${request.body?.slice(0, 40) ?? ''} -> ${answer.status} ${answer.body.slice(0, 160)}`;
    assert.ok(answer.status >= 400 && answer.status < 500, `a 4xx: ${where}`);
    assert.match(answer.type, /^application\/json/, `JSON: ${where}`);
    assert.ok(ms < 1000, `answered in ${Math.round(ms)} ms: ${where}`);
    assert.match(answer.body, /more than 100 (parameters|keys|elements)|longer than (100|4096) characters|deeper than 10 levels/, `names the bound: ${where}`);
  }
});
