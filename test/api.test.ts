// The booking API (CONTRACT section 4 and spec/thread-api.md) as a client sees it: every route, scopes,
// practice grants, creator-only edits, the patient flow's status moves, fields, lists, idempotency, sign-ups.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SignJWT, generateKeyPair } from 'jose';
import { addClients, addPractice, api, getToken, startServer, type TestServer } from './helpers/server.js';

type Call = ReturnType<typeof api>;
const READ = 'scheduling:read';
const WRITE = 'scheduling:write';
const BOOK = 'scheduling:book';
const PATIENTS = 'scheduling:patients';
const BOOKING_KEYS = ['doctor_id', 'id', 'length', 'location_id', 'recurring', 'start_datetime', 'status'];
const PATIENT = { first_name: 'Ana', last_name: 'García', email: 'ana@example.com', phone: '+1 303 555 0100', date_of_birth: '1990-04-01' };

let server: TestServer;
const as: Record<string, Call> = {};
const tokens: Record<string, string> = {};
let doctorSeq = 0;
/** A doctor no other test uses, so the overlap rule never links two tests. */
const doctor = () => `doc-${++doctorSeq}`;
let minuteSeq = 0;
/** A start no other test uses (one a day, far in the future), written with a Denver winter offset. */
function start(): string {
  const day = new Date(Date.UTC(2031, 0, 1) + ++minuteSeq * 86_400_000);
  return `${day.toISOString().slice(0, 10)}T10:00:00.000-07:00`;
}

async function create(call: Call, fields: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const response = await call('POST', '/scheduling/bookings', { start: start(), location_id: 'l1', doctor_id: doctor(), status: 'open', ...fields });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body;
}

function assertError(response: { status: number; body: any }, status: number, code: string, mentions?: string | RegExp) {
  assert.equal(response.status, status, `expected ${status} ${code}, got ${response.status} ${JSON.stringify(response.body)}`);
  assert.equal(response.body.status, code);
  assert.equal(typeof response.body.message, 'string');
  if (typeof mentions === 'string') assert.ok(response.body.message.includes(mentions), `"${response.body.message}" names ${mentions}`);
  else if (mentions) assert.match(response.body.message, mentions);
}

before(async () => {
  server = await startServer();
  // Bookings here are in 2031 and 2032: the server's clock is set where they lie within the API's horizon.
  server.clock.now = Date.parse('2030-12-01T00:00:00.000Z');
  await addPractice(server, { id: 'p1', name: 'ABC 123 Orthodontics' }, [
    { id: 'l1', timezone: 'America/Denver', name: 'Springfield' },
    { id: 'l2', timezone: 'America/Chicago', name: 'Lafayette' },
  ]);
  await addPractice(server, { id: 'p2', name: 'Acme Orthodontic Group' }, [{ id: 'l3', timezone: 'America/New_York' }]);
  await addPractice(server, { id: 'p3', name: 'List Practice' }, [
    { id: 'l4', timezone: 'America/Denver' },
    { id: 'l5', timezone: 'Europe/Madrid' },
    { id: 'l6', timezone: 'America/Denver' },
  ]);
  const clients = {
    owner: { scopes: [READ, WRITE, BOOK, PATIENTS], practices: ['p1', 'p3'] },
    owner2: { scopes: [READ, WRITE], practices: ['p1'] },
    booker: { scopes: [READ, BOOK], practices: ['p1'] },
    booker2: { scopes: [READ, BOOK], practices: ['p1'] },
    reader: { scopes: [READ], practices: ['p1'] },
    writeOnly: { scopes: [WRITE], practices: ['p1'] },
    outsider: { scopes: [READ, WRITE, BOOK, PATIENTS], practices: ['p2'] },
    everyone: { scopes: [READ], practices: '*' as const },
  };
  const created = await addClients(
    server,
    Object.entries(clients).map(([id, c]) => ({ id, ...c })),
  );
  await Promise.all(
    created.map(async (client) => {
      tokens[client.id] = await getToken(server.url, client);
      as[client.id] = api(server.url, tokens[client.id]);
    }),
  );
});
after(() => server.close());

describe('practices and locations', () => {
  test('GET /scheduling/practices lists the granted practices with their locations\' ids and names', async () => {
    const mine = await as.owner2('GET', '/scheduling/practices');
    assert.equal(mine.status, 200);
    assert.deepEqual(mine.body, [
      { id: 'p1', name: 'ABC 123 Orthodontics', location_ids: [{ id: 'l1', name: 'Springfield' }, { id: 'l2', name: 'Lafayette' }] },
    ]);
    const theirs = await as.outsider('GET', '/scheduling/practices');
    assert.deepEqual(theirs.body.map((p: { id: string }) => p.id), ['p2']);
    const all = await as.everyone('GET', '/scheduling/practices');
    assert.deepEqual(all.body.map((p: { id: string }) => p.id).sort(), ['p1', 'p2', 'p3']);
  });

  test('GET /scheduling/locations lists the granted practices\' locations with the spec\'s fields', async () => {
    const mine = await as.owner2('GET', '/scheduling/locations');
    assert.equal(mine.status, 200);
    assert.deepEqual(mine.body.map((l: { id: string }) => l.id).sort(), ['l1', 'l2']);
    const l1 = mine.body.find((l: { id: string }) => l.id === 'l1');
    assert.deepEqual(Object.keys(l1).sort(), ['city', 'id', 'name', 'secondary_address', 'state', 'street_address', 'timezone', 'website', 'zip']);
    assert.equal(l1.timezone, 'America/Denver');
    assert.equal(l1.name, 'Springfield');
    const theirs = await as.outsider('GET', '/scheduling/locations');
    assert.deepEqual(theirs.body.map((l: { id: string }) => l.id), ['l3']);
  });
});

describe('access tokens', () => {
  test('no Authorization header is 401 unauthorized, on every route', async () => {
    const routes: Array<[string, string]> = [
      ['GET', '/scheduling/practices'],
      ['GET', '/scheduling/locations'],
      ['GET', '/scheduling/practices/p1/bookings'],
      ['GET', '/scheduling/locations/l1/bookings'],
      ['GET', '/scheduling/bookings/abc'],
      ['GET', '/scheduling/bookings/abc/patient'],
      ['POST', '/scheduling/bookings'],
      ['PUT', '/scheduling/bookings/abc'],
      ['DELETE', '/scheduling/bookings/abc'],
    ];
    for (const [method, route] of routes) {
      const response = await fetch(`${server.url}${route}`, { method, headers: { 'content-type': 'application/json' }, body: method === 'POST' || method === 'PUT' ? '{}' : undefined });
      assert.equal(response.status, 401, `${method} ${route}`);
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
      const body = await response.json();
      assert.equal(body.status, 'unauthorized');
      assert.equal(typeof body.message, 'string');
    }
  });

  test('`Authorization: <token>` (as the spec writes it) and `Authorization: Bearer <token>` both work', async () => {
    const bare = await as.reader('GET', '/scheduling/practices', undefined, { authorization: tokens.reader });
    assert.equal(bare.status, 200);
    const bearer = await as.reader('GET', '/scheduling/practices', undefined, { authorization: `Bearer ${tokens.reader}` });
    assert.equal(bearer.status, 200);
    assert.deepEqual(bare.body, bearer.body);
  });

  test('a garbage, truncated, foreign-signed or unsigned token is 401', async () => {
    const [head, payload] = tokens.reader.split('.');
    const { privateKey } = await generateKeyPair('ES256');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: JSON.parse(Buffer.from(head, 'base64url').toString()).kid, typ: 'at+jwt' }).sign(privateKey);
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${payload}.`;
    for (const bad of ['garbage', 'Bearer garbage', `Bearer ${tokens.reader.slice(0, -4)}`, `Bearer ${forged}`, `Bearer ${unsigned}`, 'Basic cmVhZGVyOnNlY3JldA==', 'Bearer ']) {
      const response = await as.reader('GET', '/scheduling/practices', undefined, { authorization: bad });
      assertError(response, 401, 'unauthorized');
    }
  });
});

describe('scopes: each route answers 403 without the scope it needs', () => {
  let booking: Record<string, any>;
  before(async () => {
    booking = await create(as.owner);
  });

  test('GET routes need scheduling:read', async () => {
    for (const route of ['/scheduling/practices', '/scheduling/locations', '/scheduling/practices/p1/bookings', '/scheduling/locations/l1/bookings', `/scheduling/bookings/${booking.id}`]) {
      assertError(await as.writeOnly('GET', route), 403, 'unauthorized', READ);
      assert.equal((await as.reader('GET', route)).status, 200, route);
    }
  });

  test('POST and DELETE need scheduling:write; PUT needs scheduling:write or scheduling:book', async () => {
    const body = { start: start(), location_id: 'l1', doctor_id: doctor() };
    assertError(await as.reader('POST', '/scheduling/bookings', body), 403, 'unauthorized', WRITE);
    assertError(await as.booker('POST', '/scheduling/bookings', body), 403, 'unauthorized', WRITE);
    assertError(await as.reader('PUT', `/scheduling/bookings/${booking.id}`, { status: 'pending' }), 403, 'unauthorized');
    assertError(await as.reader('DELETE', `/scheduling/bookings/${booking.id}`), 403, 'unauthorized', WRITE);
    assertError(await as.booker('DELETE', `/scheduling/bookings/${booking.id}`), 403, 'unauthorized', WRITE);
    assert.equal((await as.owner('GET', `/scheduling/bookings/${booking.id}`)).body.status, 'open', 'nothing changed');
  });

  test('GET /scheduling/bookings/:id/patient needs scheduling:patients', async () => {
    assertError(await as.reader('GET', `/scheduling/bookings/${booking.id}/patient`), 403, 'unauthorized', PATIENTS);
    assertError(await as.booker('GET', `/scheduling/bookings/${booking.id}/patient`), 403, 'unauthorized', PATIENTS);
  });
});

describe('practice grants: another practice\'s bookings and locations are never shown or changed', () => {
  let booking: Record<string, any>;
  before(async () => {
    booking = await create(as.owner, { location_id: 'l2' });
  });

  test('reading them is 404, as for things that do not exist', async () => {
    for (const route of [`/scheduling/bookings/${booking.id}`, '/scheduling/locations/l2/bookings', '/scheduling/practices/p1/bookings', `/scheduling/bookings/${booking.id}/patient`]) {
      assertError(await as.outsider('GET', route), 404, 'not_found');
    }
    assertError(await as.owner('GET', '/scheduling/bookings/no-such-booking'), 404, 'not_found');
    assertError(await as.owner('GET', '/scheduling/locations/no-such-location/bookings'), 404, 'not_found');
    assertError(await as.owner('GET', '/scheduling/practices/no-such-practice/bookings'), 404, 'not_found');
    assertError(await as.owner('GET', '/scheduling/practices/p2/bookings'), 404, 'not_found');
  });

  test('changing them is 404 (PUT, DELETE) or refused (POST at their location), and nothing changes', async () => {
    assertError(await as.outsider('PUT', `/scheduling/bookings/${booking.id}`, { status: 'pending' }), 404, 'not_found');
    assertError(await as.outsider('PUT', `/scheduling/bookings/${booking.id}`, { length: 30 }), 404, 'not_found');
    assertError(await as.outsider('DELETE', `/scheduling/bookings/${booking.id}`), 404, 'not_found');
    const post = await as.outsider('POST', '/scheduling/bookings', { start: start(), location_id: 'l2', doctor_id: doctor(), status: 'open' });
    assertError(post, 403, 'unauthorized', 'location_id');
    const unknown = await as.outsider('POST', '/scheduling/bookings', { start: start(), location_id: 'nowhere', doctor_id: doctor() });
    assert.equal(unknown.status, post.status, 'an unknown location and an ungranted one answer alike');
    // Moving an own booking to another practice's location is refused the same way.
    const own = await create(as.owner);
    const move = await as.owner('PUT', `/scheduling/bookings/${own.id}`, { location_id: 'l3' });
    assert.equal(move.status, post.status);

    const still = await as.owner('GET', `/scheduling/bookings/${booking.id}`);
    assert.deepEqual(still.body, booking);
    assert.equal((await as.everyone('GET', '/scheduling/practices/p2/bookings')).body.length, 0, 'nothing was created at p2 either');
  });

  test('lists show only granted practices\' bookings', async () => {
    const mine = await as.outsider('POST', '/scheduling/bookings', { start: start(), location_id: 'l3', doctor_id: doctor(), status: 'open' });
    assert.equal(mine.status, 201);
    const theirs = await as.outsider('GET', '/scheduling/practices/p2/bookings');
    assert.deepEqual(theirs.body.map((b: { id: string }) => b.id), [mine.body.id]);
    const all = await as.everyone('GET', '/scheduling/practices/p1/bookings');
    assert.ok(all.body.some((b: { id: string }) => b.id === booking.id), 'a client granted * sees every practice');
    assert.ok(!all.body.some((b: { id: string }) => b.id === mine.body.id));
  });
});

describe('only the creating client edits or deletes its bookings', () => {
  test('another writer gets 403 for PUT and DELETE; the booking is unchanged', async () => {
    const booking = await create(as.owner);
    assertError(await as.owner2('PUT', `/scheduling/bookings/${booking.id}`, { length: 30 }), 403, 'unauthorized');
    assertError(await as.owner2('PUT', `/scheduling/bookings/${booking.id}`, { status: 'booked' }), 403, 'unauthorized');
    assertError(await as.owner2('DELETE', `/scheduling/bookings/${booking.id}`), 403, 'unauthorized');
    assert.deepEqual((await as.owner('GET', `/scheduling/bookings/${booking.id}`)).body, booking);
  });

  test('a scheduling:book client may move the status only, not the time, length, doctor, location or weekly flag', async () => {
    const booking = await create(as.owner);
    for (const change of [{ length: 30 }, { start: start() }, { doctor_id: doctor() }, { location_id: 'l2' }, { recurring: true }, { status: 'pending', length: 30 }]) {
      assertError(await as.booker('PUT', `/scheduling/bookings/${booking.id}`, change), 403, 'unauthorized');
    }
    assert.deepEqual((await as.owner('GET', `/scheduling/bookings/${booking.id}`)).body, booking);
  });

  test('the creator edits every field with PUT /scheduling/bookings/:id', async () => {
    const booking = await create(as.owner);
    const newStart = '2032-02-03T08:30:00.000-07:00';
    const newDoctor = doctor();
    const edited = await as.owner('PUT', `/scheduling/bookings/${booking.id}`, { start: newStart, length: 45, doctor_id: newDoctor, location_id: 'l2' });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.deepEqual(edited.body, { ...booking, start_datetime: newStart, length: 45, doctor_id: newDoctor, location_id: 'l2' });
    assert.deepEqual((await as.owner('GET', `/scheduling/bookings/${booking.id}`)).body, edited.body);
  });

  test('DELETE closes the booking: {id, status: "closed"}', async () => {
    const booking = await create(as.owner);
    const deleted = await as.owner('DELETE', `/scheduling/bookings/${booking.id}`);
    assert.equal(deleted.status, 200);
    assert.deepEqual(deleted.body, { id: booking.id, status: 'closed' });
    assert.equal((await as.owner('GET', `/scheduling/bookings/${booking.id}`)).body.status, 'closed');
    assertError(await as.owner('PUT', `/scheduling/bookings/${booking.id}`, { status: 'open' }), 409, 'conflict', 'closed');
  });
});

describe('the patient flow (scheduling:book)', () => {
  const put = (call: Call, id: string, body: Record<string, unknown>) => call('PUT', `/scheduling/bookings/${id}`, body);

  test('open -> pending is a hold; pending -> open releases it; pending -> booked only by the holder', async () => {
    const booking = await create(as.owner);
    const held = await put(as.booker, booking.id, { status: 'pending' });
    assert.equal(held.status, 200);
    assert.deepEqual(held.body, { ...booking, status: 'pending' });

    assertError(await put(as.booker2, booking.id, { status: 'pending' }), 409, 'conflict', 'pending');
    assertError(await put(as.booker2, booking.id, { status: 'booked' }), 409, 'conflict', 'pending');
    assertError(await put(as.booker2, booking.id, { status: 'open' }), 409, 'conflict', 'pending');
    // The holder may hold it again: that renews its hold (see api-clock.test.ts).
    const renewed = await put(as.booker, booking.id, { status: 'pending' });
    assert.equal(renewed.status, 200);
    assert.equal(renewed.body.status, 'pending');

    const released = await put(as.booker, booking.id, { status: 'open' });
    assert.equal(released.status, 200);
    assert.equal(released.body.status, 'open');
    assertError(await put(as.booker, booking.id, { status: 'booked' }), 409, 'conflict', 'open');
    assertError(await put(as.booker, booking.id, { status: 'open' }), 409, 'conflict', 'open');

    assert.equal((await put(as.booker2, booking.id, { status: 'pending' })).status, 200, 'released, anyone may hold it');
    const booked = await put(as.booker2, booking.id, { status: 'booked', patient: PATIENT });
    assert.equal(booked.status, 200);
    assert.deepEqual(booked.body, { ...booking, status: 'booked' });
    assert.equal((await as.reader('GET', `/scheduling/bookings/${booking.id}`)).body.status, 'booked');

    for (const status of ['pending', 'open', 'booked']) assertError(await put(as.booker, booking.id, { status }), 409, 'conflict', 'booked');
    for (const status of ['pending', 'booked']) assertError(await put(as.booker2, booking.id, { status }), 409, 'conflict', 'booked');
    // The client that booked it may reopen it (a patient cancels through the widget's manage link).
    const reopened = await put(as.booker2, booking.id, { status: 'open' });
    assert.equal(reopened.status, 200);
    assert.equal(reopened.body.status, 'open');
  });

  test('the client that booked a booking reopens it only before its start; its creator still can after', async () => {
    const booking = await create(as.owner, { start: new Date(server.clock.now + 10 * 60_000).toISOString() });
    assert.equal((await put(as.booker2, booking.id, { status: 'pending' })).status, 200);
    assert.equal((await put(as.booker2, booking.id, { status: 'booked', patient: PATIENT })).status, 200);
    const was = server.clock.now;
    server.clock.now = Date.parse(booking.start_datetime) + 60_000;
    try {
      assertError(await put(as.booker2, booking.id, { status: 'open' }), 409, 'conflict', 'has started');
      assert.equal((await as.reader('GET', `/scheduling/bookings/${booking.id}`)).body.status, 'booked');
      assert.equal((await put(as.owner, booking.id, { status: 'open' })).status, 200, 'the practice still may');
    } finally {
      server.clock.now = was;
    }
  });

  test('the creating client books an open booking directly, and reopens a booked one', async () => {
    const booking = await create(as.owner2);
    const booked = await put(as.owner2, booking.id, { status: 'booked' });
    assert.equal(booked.status, 200);
    assert.equal(booked.body.status, 'booked');
    const reopened = await put(as.owner2, booking.id, { status: 'open' });
    assert.equal(reopened.status, 200);
    assert.equal(reopened.body.status, 'open');
  });

  test('a closed booking cannot be held or booked (409 naming "closed")', async () => {
    const booking = await create(as.owner);
    await as.owner('DELETE', `/scheduling/bookings/${booking.id}`);
    assertError(await put(as.booker, booking.id, { status: 'pending' }), 409, 'conflict', 'closed');
    assertError(await put(as.booker, booking.id, { status: 'booked' }), 409, 'conflict', 'closed');
  });

  test('a hold may be given up by its holder only, a booking booked only by its holder, with any sign-up', async () => {
    const booking = await create(as.owner);
    assert.equal((await put(as.booker, booking.id, { status: 'pending' })).status, 200);
    assertError(await put(as.booker2, booking.id, { status: 'booked', patient: PATIENT }), 409, 'conflict', 'pending');
    const booked = await put(as.booker, booking.id, { status: 'booked' });
    assert.equal(booked.status, 200);
  });
});

describe('booking fields', () => {
  test('`start` in, `start_datetime` out, with the instant and offset kept exactly', async () => {
    for (const given of ['2018-10-25T16:44:02.722-06:00', '2031-03-01T09:15:00.000+05:30', '2031-03-02T23:59:59.999+14:00', '2031-03-03T00:00:00.001-09:30', '2031-03-04T12:00:00.000+00:00']) {
      const created = await create(as.owner, { start: given });
      assert.equal(created.start_datetime, given);
      assert.equal(created.start, undefined);
      assert.equal((await as.owner('GET', `/scheduling/bookings/${created.id}`)).body.start_datetime, given);
    }
    // Other spellings of an instant keep the instant and the offset.
    for (const [given, shown] of [
      ['2031-03-05T10:00-07:00', '2031-03-05T10:00:00.000-07:00'],
      ['2031-03-06T10:00:00Z', '2031-03-06T10:00:00.000+00:00'],
      ['2031-03-07T10:00:00.5-0700', '2031-03-07T10:00:00.500-07:00'],
    ]) {
      const created = await create(as.owner, { start: given });
      assert.equal(created.start_datetime, shown);
      assert.equal(Date.parse(created.start_datetime), Date.parse(given));
    }
  });

  test('the spec\'s POST body answers 201 with the booking, its Location, and the defaults: pending, 60 minutes, not weekly', async () => {
    const body = { start: '2018-10-25T16:44:02.722-06:00', location_id: 'l2', doctor_id: 'DD3456' };
    const response = await as.owner('POST', '/scheduling/bookings', body);
    assert.equal(response.status, 201, JSON.stringify(response.body));
    assert.deepEqual(Object.keys(response.body).sort(), BOOKING_KEYS);
    assert.equal(response.body.status, 'pending');
    assert.equal(response.body.length, 60);
    assert.equal(response.body.recurring, false);
    assert.equal(response.body.location_id, 'l2');
    assert.equal(response.body.doctor_id, 'DD3456');
    assert.equal(response.body.start_datetime, body.start);
    const location = response.headers.get('location');
    assert.ok(location, 'a Location header');
    const fetched = await as.owner('GET', new URL(location!).pathname);
    assert.deepEqual(fetched.body, response.body);

    const full = await as.owner('POST', '/scheduling/bookings', { start: '2031-04-01T09:00:00.000-06:00', status: 'booked', recurring: false, length: 45, location_id: 'l1', doctor_id: doctor() });
    assert.equal(full.status, 201);
    assert.equal(full.body.status, 'booked');
    assert.equal(full.body.length, 45);
  });

  test('length is kept from 5 to 1440 minutes', async () => {
    assert.equal((await create(as.owner, { length: 5 })).length, 5);
    assert.equal((await create(as.owner, { length: 1440 })).length, 1440);
  });
});

describe('lists', () => {
  test('status repeats; no status means open, pending and booked; status=closed lists deleted ones', async () => {
    const d = doctor();
    const ids: Record<string, string> = {};
    for (const [i, status] of (['open', 'pending', 'booked', 'open'] as const).entries()) {
      ids[i === 3 ? 'closed' : status] = (await create(as.owner, { location_id: 'l4', doctor_id: d, status, start: `2031-05-0${i + 1}T10:00:00.000-06:00` })).id;
    }
    await as.owner('DELETE', `/scheduling/bookings/${ids.closed}`);
    const list = async (query: string) => {
      const response = await as.owner('GET', `/scheduling/locations/l4/bookings${query}`);
      assert.equal(response.status, 200);
      return response.body.filter((b: { doctor_id: string }) => b.doctor_id === d).map((b: { status: string }) => b.status);
    };
    assert.deepEqual(await list(''), ['open', 'pending', 'booked']);
    assert.deepEqual(await list('?status=open'), ['open']);
    assert.deepEqual(await list('?status=open&status=booked'), ['open', 'booked']);
    assert.deepEqual(await list('?status=closed'), ['closed']);
    assert.deepEqual(await list('?status=closed&status=pending'), ['pending', 'closed']);
    const practice = await as.owner('GET', '/scheduling/practices/p3/bookings?status=closed');
    assert.deepEqual(practice.body.filter((b: { doctor_id: string }) => b.doctor_id === d).map((b: { id: string }) => b.id), [ids.closed]);
  });

  test('lists are ordered by the instant of start_datetime, whatever offsets they were written with', async () => {
    const d = doctor();
    // By text these sort the other way round.
    const starts = ['2031-06-01T09:00:00.000-07:00', '2031-06-01T11:00:00.000-04:00', '2031-06-01T18:30:00.000+02:00', '2031-05-31T23:00:00.000-12:00'];
    for (const [i, s] of starts.entries()) await create(as.owner, { location_id: 'l4', doctor_id: `${d}-${i}`, start: s });
    const listed = (await as.owner('GET', '/scheduling/practices/p3/bookings')).body.filter((b: { doctor_id: string }) => b.doctor_id.startsWith(d));
    const expected = [...starts].sort((a, b) => Date.parse(a) - Date.parse(b));
    assert.deepEqual(listed.map((b: { start_datetime: string }) => b.start_datetime), expected);
    const all = (await as.owner('GET', '/scheduling/practices/p3/bookings')).body.map((b: { start_datetime: string }) => Date.parse(b.start_datetime));
    assert.deepEqual(all, [...all].sort((a, b) => a - b));
  });

  test('from and to bound the list by start', async () => {
    const d = doctor();
    for (const day of ['10', '11', '12', '13']) await create(as.owner, { location_id: 'l4', doctor_id: d, start: `2031-07-${day}T10:00:00.000-06:00` });
    const query = new URLSearchParams({ from: '2031-07-11T10:00:00.000-06:00', to: '2031-07-13T10:00:00.000-06:00' });
    const listed = (await as.owner('GET', `/scheduling/locations/l4/bookings?${query}`)).body.filter((b: { doctor_id: string }) => b.doctor_id === d);
    assert.deepEqual(listed.map((b: { start_datetime: string }) => b.start_datetime.slice(0, 10)), ['2031-07-11', '2031-07-12']);
  });

  test('doctor_id (repeated) narrows a list to those doctors, weekly ones and one-offs, page by page; a bad one is 400', async () => {
    const d = doctor();
    const mine: string[] = [];
    mine.push((await create(as.owner, { location_id: 'l6', doctor_id: `${d}-a`, recurring: true, start: '2031-09-01T08:00:00.000-06:00' })).id);
    for (const day of ['02', '03', '04']) mine.push((await create(as.owner, { location_id: 'l6', doctor_id: `${d}-a`, start: `2031-09-${day}T10:00:00.000-06:00` })).id);
    mine.push((await create(as.owner, { location_id: 'l6', doctor_id: `${d}-b`, status: 'booked', start: '2031-09-05T10:00:00.000-06:00' })).id);
    // Another doctor's, at the same place and times: never listed.
    for (const day of ['02', '05']) await create(as.owner, { location_id: 'l6', doctor_id: `${d}-c`, start: `2031-09-${day}T10:00:00.000-06:00` });
    const window = { from: '2031-09-02T00:00:00.000-06:00', to: '2031-09-06T00:00:00.000-06:00' };
    for (const scope of ['/scheduling/locations/l6/bookings', '/scheduling/practices/p3/bookings']) {
      const seen: string[] = [];
      let next: string | undefined = `${scope}?${new URLSearchParams([...Object.entries(window), ['limit', '2'], ['doctor_id', `${d}-b`], ['doctor_id', `${d}-a`]])}`;
      while (next) {
        const page = await as.owner('GET', next);
        assert.equal(page.status, 200);
        seen.push(...page.body.map((b: { id: string }) => b.id));
        const link = /^<([^>]+)>; rel="next"$/.exec(page.headers.get('link') ?? '');
        next = link ? link[1].slice(server.url.length) : undefined;
        assert.ok(seen.length < 20, 'no endless paging');
      }
      assert.deepEqual(seen, mine, scope);
      const booked = await as.owner('GET', `${scope}?${new URLSearchParams([...Object.entries(window), ['status', 'booked'], ['doctor_id', `${d}-a`], ['doctor_id', `${d}-b`]])}`);
      assert.deepEqual(booked.body.map((b: { id: string }) => b.id), [mine[4]], `${scope}, status=booked`);
    }
    const bad = await as.owner('GET', '/scheduling/locations/l6/bookings?doctor_id=no%20such');
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /^doctor_id must be a doctor id/);
    const tooMany = await as.owner('GET', `/scheduling/locations/l6/bookings?${Array.from({ length: 51 }, (_, i) => `doctor_id=d${i}`).join('&')}`);
    assert.equal(tooMany.status, 400);
    assert.match(tooMany.body.message, /^doctor_id must be a doctor id, repeated at most 50 times/);
  });

  test('weekly bookings begun before from are listed beside the one-offs in [from, to), in order, page by page', async () => {
    const d = doctor();
    const weeklyEarly = await create(as.owner, { location_id: 'l6', doctor_id: `${d}-w1`, recurring: true, start: '2031-01-06T08:00:00.000-06:00' });
    const weeklyLate = await create(as.owner, { location_id: 'l6', doctor_id: `${d}-w2`, recurring: true, start: '2031-08-04T08:00:00.000-06:00' });
    const oneOffs: string[] = [];
    for (const day of ['01', '02', '03', '05']) oneOffs.push((await create(as.owner, { location_id: 'l6', doctor_id: d, start: `2031-08-${day}T10:00:00.000-06:00` })).id);
    // Outside [from, to): a one-off before `from` and a weekly booking that begins at `to`.
    await create(as.owner, { location_id: 'l6', doctor_id: d, start: '2031-07-31T10:00:00.000-06:00' });
    await create(as.owner, { location_id: 'l6', doctor_id: `${d}-w3`, recurring: true, start: '2031-08-06T10:00:00.000-06:00' });

    const expected = [weeklyEarly.id, oneOffs[0], oneOffs[1], oneOffs[2], weeklyLate.id, oneOffs[3]];
    const query = new URLSearchParams({ from: '2031-08-01T00:00:00.000-06:00', to: '2031-08-06T10:00:00.000-06:00', limit: '2' });
    for (const scope of ['/scheduling/locations/l6/bookings', '/scheduling/practices/p3/bookings']) {
      const seen: string[] = [];
      let next: string | undefined = `${scope}?${query}`;
      while (next) {
        const page = await as.owner('GET', next);
        assert.equal(page.status, 200);
        assert.ok(page.body.length <= 2);
        seen.push(...page.body.map((b: { id: string }) => b.id));
        const link = /^<([^>]+)>; rel="next"$/.exec(page.headers.get('link') ?? '');
        next = link ? link[1].slice(server.url.length) : undefined;
        assert.ok(seen.length < 200, 'no endless paging');
      }
      // Other tests' bookings share the practice: this test's own come in this order, each once.
      const mine = new Set([...expected]);
      assert.deepEqual(seen.filter((id) => mine.has(id)), expected, scope);
      assert.equal(new Set(seen).size, seen.length, `${scope}: each booking once`);
    }
  });

  test('limit and cursor page through 120 bookings with Link rel="next"; each once, in order; the body stays a bare array', async () => {
    const created: string[] = [];
    const base = Date.UTC(2032, 5, 1, 9);
    // Created out of order, some at the same instant (different doctors), so the order comes from the server.
    const order = Array.from({ length: 120 }, (_, i) => (i * 37) % 120);
    const responses = await Promise.all(
      order.map((i) =>
        as.owner('POST', '/scheduling/bookings', {
          start: new Date(base + Math.floor(i / 2) * 3_600_000).toISOString(),
          location_id: 'l5',
          doctor_id: `pager-${i}`,
          status: 'open',
          length: 30,
        }),
      ),
    );
    for (const r of responses) {
      assert.equal(r.status, 201);
      created.push(r.body.id);
    }

    const seen: Array<{ id: string; start_datetime: string }> = [];
    let next: string | undefined = `${server.url}/scheduling/locations/l5/bookings?limit=50`;
    let pages = 0;
    while (next) {
      const response = await as.owner('GET', next.slice(server.url.length));
      assert.equal(response.status, 200);
      assert.ok(Array.isArray(response.body), 'the body is a bare array');
      assert.ok(response.body.length <= 50);
      seen.push(...response.body);
      pages += 1;
      const link = response.headers.get('link');
      if (link) {
        const match = /^<([^>]+)>; rel="next"$/.exec(link);
        assert.ok(match, `Link header: ${link}`);
        assert.ok(match[1].startsWith(`${server.url}/scheduling/locations/l5/bookings?`), match[1]);
        assert.equal(new URL(match[1]).searchParams.get('limit'), '50', 'the next page keeps the query');
        next = match[1];
      } else next = undefined;
      assert.ok(pages <= 4, 'no endless paging');
    }
    assert.equal(pages, 3);
    assert.equal(seen.length, 120);
    assert.equal(new Set(seen.map((b) => b.id)).size, 120, 'each booking exactly once');
    assert.deepEqual(new Set(seen.map((b) => b.id)), new Set(created));
    const instants = seen.map((b) => Date.parse(b.start_datetime));
    assert.deepEqual(instants, [...instants].sort((a, b) => a - b), 'in start order across pages');

    const exact = await as.owner('GET', '/scheduling/locations/l5/bookings?limit=120');
    assert.equal(exact.body.length, 120);
    assert.equal(exact.headers.get('link'), null, 'no Link when there is no next page');
    const statusKept = await as.owner('GET', '/scheduling/locations/l5/bookings?limit=100&status=open');
    assert.match(statusKept.headers.get('link') ?? '', /status=open/);
  });

  test('limit defaults to 500', async () => {
    const responses = await Promise.all(
      Array.from({ length: 501 }, (_, i) =>
        as.owner('POST', '/scheduling/bookings', { start: new Date(Date.UTC(2032, 8, 1) + i * 3_600_000).toISOString(), location_id: 'l4', doctor_id: 'many', status: 'open', length: 30 }),
      ),
    );
    assert.ok(responses.every((r) => r.status === 201));
    // Generated ids never start with "-" or "_" (an id like "-x3..." reads as an option to the admin CLI).
    assert.deepEqual(responses.map((r) => r.body.id).filter((id: string) => !/^[A-Za-z0-9]/.test(id)), []);
    const first = await as.owner('GET', '/scheduling/locations/l4/bookings?from=2032-09-01T00:00:00Z');
    assert.equal(first.body.length, 500);
    assert.ok(first.headers.get('link'));
    const rest = await as.owner('GET', new URL(/^<([^>]+)>/.exec(first.headers.get('link')!)![1]).pathname + new URL(/^<([^>]+)>/.exec(first.headers.get('link')!)![1]).search);
    assert.equal(rest.body.length, 1);
  });
});

describe('Idempotency-Key on POST', () => {
  test('the same key and body give the same booking (201 again, one booking); another body is 422', async () => {
    const body = { start: start(), location_id: 'l1', doctor_id: doctor(), status: 'open' };
    const headers = { 'idempotency-key': 'order-7f3a' };
    const first = await as.owner('POST', '/scheduling/bookings', body, headers);
    assert.equal(first.status, 201);
    const again = await as.owner('POST', '/scheduling/bookings', body, headers);
    assert.equal(again.status, 201);
    assert.deepEqual(again.body, first.body);
    const reordered = await as.owner('POST', '/scheduling/bookings', { doctor_id: body.doctor_id, status: 'open', location_id: 'l1', start: body.start }, headers);
    assert.equal(reordered.status, 201);
    assert.equal(reordered.body.id, first.body.id, 'the same body with its fields in another order');

    const listed = (await as.owner('GET', '/scheduling/locations/l1/bookings')).body.filter((b: { doctor_id: string }) => b.doctor_id === body.doctor_id);
    assert.equal(listed.length, 1, 'one booking');

    const other = await as.owner('POST', '/scheduling/bookings', { ...body, length: 30 }, headers);
    assertError(other, 422, 'unprocessable');
    const otherStart = await as.owner('POST', '/scheduling/bookings', { ...body, start: start() }, headers);
    assertError(otherStart, 422, 'unprocessable');
  });

  test('keys are the client\'s own: another client\'s same key makes its own booking', async () => {
    const headers = { 'idempotency-key': 'shared-key' };
    const a = await as.owner('POST', '/scheduling/bookings', { start: start(), location_id: 'l1', doctor_id: doctor(), status: 'open' }, headers);
    const b = await as.owner2('POST', '/scheduling/bookings', { start: start(), location_id: 'l1', doctor_id: doctor(), status: 'open' }, headers);
    assert.equal(a.status, 201);
    assert.equal(b.status, 201);
    assert.notEqual(a.body.id, b.body.id);
  });

  test('without a key, the same body twice is no replay: the second is a new booking, refused as the doctor is taken', async () => {
    const body = { start: start(), location_id: 'l1', doctor_id: doctor(), status: 'open' };
    assert.equal((await as.owner('POST', '/scheduling/bookings', body)).status, 201);
    assertError(await as.owner('POST', '/scheduling/bookings', body), 409, 'conflict');
  });
});

describe('GET /scheduling/bookings/:id/patient', () => {
  test('404 while there is no sign-up; the sign-up once the holder books with one', async () => {
    const booking = await create(as.owner);
    assertError(await as.owner('GET', `/scheduling/bookings/${booking.id}/patient`), 404, 'not_found');
    assert.equal((await as.booker('PUT', `/scheduling/bookings/${booking.id}`, { status: 'pending' })).status, 200);
    assertError(await as.owner('GET', `/scheduling/bookings/${booking.id}/patient`), 404, 'not_found');
    const booked = await as.booker('PUT', `/scheduling/bookings/${booking.id}`, { status: 'booked', patient: PATIENT });
    assert.equal(booked.status, 200);
    assert.equal(booked.body.patient, undefined, 'the booking never shows the patient');

    const signUp = await as.owner('GET', `/scheduling/bookings/${booking.id}/patient`);
    assert.equal(signUp.status, 200);
    assert.deepEqual(signUp.body, PATIENT);
    assert.equal(signUp.headers.get('cache-control'), 'no-store');
    assertError(await as.outsider('GET', `/scheduling/bookings/${booking.id}/patient`), 404, 'not_found');
    // Nor in lists.
    const listed = (await as.owner('GET', '/scheduling/locations/l1/bookings')).body.find((b: { id: string }) => b.id === booking.id);
    assert.deepEqual(Object.keys(listed).sort(), BOOKING_KEYS);
  });

  test('a booked booking its creator opens again loses its sign-up; the next patient\'s is the one kept', async () => {
    const booking = await create(as.owner);
    await as.booker('PUT', `/scheduling/bookings/${booking.id}`, { status: 'pending' });
    assert.equal((await as.booker('PUT', `/scheduling/bookings/${booking.id}`, { status: 'booked', patient: PATIENT })).status, 200);
    assert.equal((await as.owner('PUT', `/scheduling/bookings/${booking.id}`, { status: 'open' })).status, 200);
    assertError(await as.owner('GET', `/scheduling/bookings/${booking.id}/patient`), 404, 'not_found');
    assert.equal(await server.thread.store.bookings.signUp(booking.id), undefined, 'the patient\'s details are not kept in the database');

    const next = { ...PATIENT, first_name: 'Ottoline', email: 'ottoline@example.org' };
    await as.booker('PUT', `/scheduling/bookings/${booking.id}`, { status: 'pending' });
    assert.equal((await as.booker('PUT', `/scheduling/bookings/${booking.id}`, { status: 'booked', patient: next })).status, 200);
    assert.deepEqual((await as.owner('GET', `/scheduling/bookings/${booking.id}/patient`)).body, next);
  });

  test('a booking booked without a sign-up has none', async () => {
    const booking = await create(as.owner);
    await as.owner('PUT', `/scheduling/bookings/${booking.id}`, { status: 'booked' });
    assertError(await as.owner('GET', `/scheduling/bookings/${booking.id}/patient`), 404, 'not_found');
  });

  test('a sign-up goes only with status booked, and is checked field by field', async () => {
    const booking = await create(as.owner);
    await as.booker('PUT', `/scheduling/bookings/${booking.id}`, { status: 'pending' });
    const wrong = await as.booker('PUT', `/scheduling/bookings/${booking.id}`, { status: 'booked', patient: { ...PATIENT, email: 'not-an-email' } });
    assertError(wrong, 400, 'bad_request', 'email');
    const missing = await as.booker('PUT', `/scheduling/bookings/${booking.id}`, { status: 'booked', patient: { ...PATIENT, phone: undefined } });
    assertError(missing, 400, 'bad_request', 'phone');
    assert.equal((await as.owner('GET', `/scheduling/bookings/${booking.id}`)).body.status, 'pending');
  });
});

describe('weekly bookings: a hold of one week makes a stand-in booking', () => {
  test('PUT {"status":"pending","start":<a week>} answers 201 with a new one-off pending booking for that week', async () => {
    const series = await create(as.owner, { recurring: true, start: '2031-09-01T16:30:00.000-06:00' });
    assert.equal(series.recurring, true);
    assert.equal(series.status, 'open');
    const week = '2031-09-15T16:30:00.000-06:00';
    const held = await as.booker('PUT', `/scheduling/bookings/${series.id}`, { status: 'pending', start: week });
    assert.equal(held.status, 201, JSON.stringify(held.body));
    assert.notEqual(held.body.id, series.id);
    assert.deepEqual(held.body, { ...series, id: held.body.id, start_datetime: week, status: 'pending', recurring: false });
    assert.ok(held.headers.get('location')?.endsWith(`/scheduling/bookings/${held.body.id}`));
    assert.deepEqual((await as.reader('GET', `/scheduling/bookings/${series.id}`)).body, series, 'the series stays open');

    assertError(await as.booker2('PUT', `/scheduling/bookings/${series.id}`, { status: 'pending', start: week }), 409, 'conflict');
    assertError(await as.booker2('PUT', `/scheduling/bookings/${held.body.id}`, { status: 'booked' }), 409, 'conflict', 'pending');
    const booked = await as.booker('PUT', `/scheduling/bookings/${held.body.id}`, { status: 'booked', patient: PATIENT });
    assert.equal(booked.status, 200);
    assert.equal(booked.body.status, 'booked');
    assert.deepEqual((await as.owner('GET', `/scheduling/bookings/${held.body.id}/patient`)).body, PATIENT);
  });

  test('a time that is not one of its weeks, or no time at all, is refused', async () => {
    const series = await create(as.owner, { recurring: true, start: '2031-10-06T09:00:00.000-06:00' });
    for (const body of [{ status: 'pending', start: '2031-10-14T09:00:00.000-06:00' }, { status: 'pending', start: '2031-10-13T09:30:00.000-06:00' }, { status: 'pending', start: '2031-09-29T09:00:00.000-06:00' }, { status: 'pending' }]) {
      const response = await as.booker('PUT', `/scheduling/bookings/${series.id}`, body);
      assert.ok([400, 409, 422].includes(response.status), `${JSON.stringify(body)}: ${response.status}`);
      assert.ok(['bad_request', 'conflict', 'unprocessable'].includes(response.body.status));
    }
    assertError(await as.booker('PUT', `/scheduling/bookings/${series.id}`, { status: 'booked' }), 409, 'conflict');
  });
});

describe('errors never leak a stack or a 500', () => {
  test('no request of this file ended in a 500 (none was logged as an error)', () => {
    for (const line of server.logs) assert.ok(!line.includes('"level":"error"'), line);
  });
});
