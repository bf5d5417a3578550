// Every failure is the JSON error body {status, message} with the right status, the offending field named,
// and never a 500 for bad input: unknown routes, wrong methods, bodies (malformed, wrong type, too large,
// unknown or mistyped fields, bad dates, lengths) and query parameters.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { addClients, addPractice, api, getToken, request, startServer, type RawResponse, type TestServer } from './helpers/server.js';

let server: TestServer;
let token: string;
let call: ReturnType<typeof api>;
let bookingId: string;
const VALID = { start: '2031-01-05T10:00:00.000-07:00', location_id: 'l1', doctor_id: 'DD3456', status: 'open', length: 60, recurring: false };

before(async () => {
  // This file sends far more than a minute's allowance of malformed requests from one address, on
  // purpose: the throttle on them is tested in malformed-throttle.test.ts.
  server = await startServer({ malformedPerMinute: Infinity });
  // Bookings here are in 2031: the server's clock is set where they lie within the API's horizon.
  server.clock.now = Date.parse('2030-12-01T00:00:00.000Z');
  await addPractice(server, { id: 'p1' }, [{ id: 'l1', timezone: 'America/Denver' }]);
  const [client] = await addClients(server, [
    { id: 'all', scopes: ['scheduling:read', 'scheduling:write', 'scheduling:book', 'scheduling:patients'], practices: '*' },
  ]);
  token = await getToken(server.url, client);
  call = api(server.url, token);
  const created = await call('POST', '/scheduling/bookings', VALID);
  assert.equal(created.status, 201);
  bookingId = created.body.id;
});
/** Log lines of the one deliberate server fault below; every other 500 is a bug. */
const deliberate = new Set<string>();
after(() => {
  // No bad input may have turned into a 500 anywhere in this file.
  const errors = server.logs.filter((line) => (line.includes('"level":"error"') || line.includes('"status":500')) && !deliberate.has(line));
  return server.close().then(() => assert.deepEqual(errors, []));
});

function assertErrorBody(response: RawResponse, status: number, code: string, mentions?: string) {
  assert.equal(response.status, status, `expected ${status}, got ${response.status} ${response.text}`);
  assert.match(String(response.headers['content-type']), /^application\/json/);
  const body = response.json();
  assert.deepEqual(Object.keys(body).sort(), ['message', 'status']);
  assert.equal(body.status, code);
  assert.equal(typeof body.message, 'string');
  assert.ok(body.message.length > 0);
  if (mentions) assert.ok(body.message.includes(mentions), `"${body.message}" should name ${mentions}`);
}

const send = (method: string, path: string, body?: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  request(server.url, { method, path, body, headers: { authorization: `Bearer ${token}`, ...headers } });
const post = (body: unknown) => send('POST', '/scheduling/bookings', typeof body === 'string' ? body : JSON.stringify(body));
const put = (body: unknown) => send('PUT', `/scheduling/bookings/${bookingId}`, typeof body === 'string' ? body : JSON.stringify(body));

describe('routes and methods', () => {
  test('unknown routes are 404 not_found, with or without a token', async () => {
    for (const path of ['/scheduling/nope', '/scheduling/bookings/x/y/z', '/nope', '/scheduling', '/scheduling/practices/p1', '/oauth2/tokens', '/.well-known/nope']) {
      assertErrorBody(await send('GET', path), 404, 'not_found');
      assertErrorBody(await request(server.url, { path }), 404, 'not_found');
    }
    assertErrorBody(await send('POST', '/scheduling/nope', '{}'), 404, 'not_found');
  });

  test('a method a route does not take is 405 method_not_allowed', async () => {
    for (const [method, path] of [
      ['GET', '/scheduling/bookings'],
      ['DELETE', '/scheduling/bookings'],
      ['PATCH', `/scheduling/bookings/${bookingId}`],
      ['POST', `/scheduling/bookings/${bookingId}`],
      ['POST', '/scheduling/practices'],
      ['PUT', '/scheduling/locations'],
      ['DELETE', '/scheduling/practices/p1/bookings'],
      ['POST', `/scheduling/bookings/${bookingId}/patient`],
      ['GET', '/oauth2/token'],
      ['POST', '/.well-known/openid-configuration'],
    ]) {
      const response = await send(method, path, method === 'GET' || method === 'DELETE' ? undefined : '{}');
      assertErrorBody(response, 405, 'method_not_allowed');
      assert.match(String(response.headers.allow ?? ''), /^[A-Z, ]+$/, `${method} ${path} names the methods it takes`);
      assert.doesNotMatch(String(response.headers.allow), new RegExp(`\\b${method}\\b`));
    }
  });
});

describe('bodies', () => {
  test('malformed JSON is 400', async () => {
    for (const text of ['{', '{"start": }', 'nope', '{"start": "x",}', "{'start': 'x'}", '\u0000', '[1,2']) {
      assertErrorBody(await post(text), 400, 'bad_request');
      assertErrorBody(await put(text), 400, 'bad_request');
    }
    assertErrorBody(await send('POST', '/scheduling/bookings', Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), 400, 'bad_request');
  });

  test('a body that is not a JSON object, or is empty, is 400', async () => {
    for (const text of ['[]', '"x"', '42', 'null', 'true', '', '   ']) {
      assertErrorBody(await post(text), 400, 'bad_request');
      assertErrorBody(await put(text), 400, 'bad_request');
    }
    assertErrorBody(await put('{}'), 400, 'bad_request');
  });

  test('a content type other than JSON is 415 unsupported_media_type', async () => {
    const body = JSON.stringify(VALID);
    for (const headers of [{ 'content-type': 'text/plain' }, { 'content-type': 'application/x-www-form-urlencoded' }, { 'content-type': 'multipart/form-data; boundary=x' }, {} as Record<string, string>]) {
      assertErrorBody(await send('POST', '/scheduling/bookings', body, headers), 415, 'unsupported_media_type');
      assertErrorBody(await send('PUT', `/scheduling/bookings/${bookingId}`, '{"status":"open"}', headers), 415, 'unsupported_media_type');
    }
    const charset = await send('POST', '/scheduling/bookings', JSON.stringify({ ...VALID, start: '2031-01-06T10:00:00.000-07:00' }), { 'content-type': 'application/json; charset=utf-8' });
    assert.equal(charset.status, 201, 'application/json with a charset is JSON');
  });

  test('a body over 100 KB is 413 payload_too_large, with a content-length or chunked without one', async () => {
    const big = JSON.stringify({ ...VALID, doctor_id: 'x'.repeat(101 * 1024) });
    assertErrorBody(await send('POST', '/scheduling/bookings', big), 413, 'payload_too_large');
    assertErrorBody(await send('PUT', `/scheduling/bookings/${bookingId}`, big), 413, 'payload_too_large');

    const chunk = 'x'.repeat(16 * 1024);
    const chunked = await request(server.url, {
      method: 'POST',
      path: '/scheduling/bookings',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      chunks: ['{"doctor_id":"', ...Array(8).fill(chunk), '"}'],
    });
    assert.equal(chunked.status, 413);
    assert.equal(chunked.json().status, 'payload_too_large');
    // And the token endpoint, before reading the form.
    const form = await request(server.url, {
      method: 'POST',
      path: '/oauth2/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'transfer-encoding': 'chunked' },
      chunks: ['grant_type=client_credentials&x=', ...Array(8).fill(chunk)],
    });
    assert.equal(form.status, 413);
    // Just under the limit is read (and then judged on its content).
    const under = JSON.stringify({ ...VALID, doctor_id: 'x'.repeat(99 * 1024) });
    assertErrorBody(await send('POST', '/scheduling/bookings', under), 400, 'bad_request', 'doctor_id');
    // The server still answers afterwards.
    assert.equal((await call('GET', '/scheduling/practices')).status, 200);
  });

  test('a client that goes away halfway through its body is no fault of the server: no 500, nothing logged as an error', async () => {
    const { hostname, port } = new URL(server.url);
    const socket = net.connect(Number(port), hostname);
    await once(socket, 'connect');
    const before = server.logs.length;
    socket.write(
      `POST /scheduling/bookings HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${token}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 1000\r\nExpect: 100-continue\r\n\r\n',
    );
    // "100 Continue" means the server has the request and is reading its body.
    assert.match(String((await once(socket, 'data'))[0]), /^HTTP\/1\.1 100 Continue/);
    socket.write('{"start":"2031-01-05T10:00');
    socket.destroy();
    // The request's log line is written once the server has given up on the body.
    const line = () => server.logs.slice(before).find((l) => l.includes('"path":"/scheduling/bookings"'));
    for (let i = 0; i < 500 && !line(); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(JSON.parse(line()!).status, 400);
    assert.equal((await call('GET', '/scheduling/practices')).status, 200);
  });

  test('an unknown field is 400 naming the field', async () => {
    for (const field of ['start_datetime', 'id', 'patient_name', 'Status', '__proto__', 'constructor']) {
      assertErrorBody(await post(`{${JSON.stringify(field)}: 1, "start": "${VALID.start}", "location_id": "l1", "doctor_id": "d"}`), 400, 'bad_request', field);
      assertErrorBody(await put(`{${JSON.stringify(field)}: 1}`), 400, 'bad_request', field);
    }
    assertErrorBody(await put({ status: 'booked', patient: { ...{ first_name: 'A', last_name: 'B', email: 'a@b.co', phone: '3035550100', date_of_birth: '1990-01-01' }, ssn: '1' } }), 400, 'bad_request', 'ssn');
  });

  test('a wrong type for any field is 400 naming the field', async () => {
    const wrong: Record<string, unknown[]> = {
      start: [123, true, null, {}, [], ''],
      status: [1, true, null, 'OPEN', 'closed', 'cancelled', ['open'], ''],
      recurring: ['true', 1, 0, null, 'yes', {}],
      length: ['60', 60.5, null, true, [60], {}],
      location_id: [5, null, true, {}, [], '', 'has space', 'x'.repeat(65)],
      doctor_id: [5, null, false, {}, ['DD3456'], '', 'a/b', 'x'.repeat(65)],
    };
    for (const [field, values] of Object.entries(wrong)) {
      for (const value of values) {
        assertErrorBody(await post({ ...VALID, [field]: value }), 400, 'bad_request', field);
        assertErrorBody(await put({ [field]: value }), 400, 'bad_request', field);
      }
    }
    for (const patient of [null, 'Ana', 42, [], true]) {
      assertErrorBody(await put({ status: 'booked', patient }), 400, 'bad_request', 'patient');
    }
    const signUp = { first_name: 'Ana', last_name: 'García', email: 'ana@example.com', phone: '+1 303 555 0100', date_of_birth: '1990-04-01' };
    for (const field of Object.keys(signUp)) {
      for (const value of [5, null, true, {}, ['x']]) {
        assertErrorBody(await put({ status: 'booked', patient: { ...signUp, [field]: value } }), 400, 'bad_request', field);
      }
    }
    for (const date_of_birth of ['1990-02-30', '01/04/1990', '2999-01-01', '1800-01-01']) {
      assertErrorBody(await put({ status: 'booked', patient: { ...signUp, date_of_birth } }), 400, 'bad_request', 'date_of_birth');
    }
  });

  test('a missing required field is 400 naming it', async () => {
    for (const field of ['start', 'location_id', 'doctor_id']) {
      const body: Record<string, unknown> = { ...VALID };
      delete body[field];
      assertErrorBody(await post(body), 400, 'bad_request', field);
    }
  });

  test('a date that is not an ISO 8601 date-time with an offset is 400 naming start', async () => {
    for (const start of [
      '2026-02-30T10:00:00-07:00',
      '2025-02-29T10:00:00-07:00',
      '2026-13-01T10:00:00-07:00',
      '2026-00-10T10:00:00-07:00',
      '2026-04-31T10:00:00-07:00',
      '2026-01-10T24:00:00-07:00',
      '2026-01-10T10:60:00-07:00',
      '2026-01-10T10:00:61-07:00',
      '2026-01-10T10:00:00',
      '2026-01-10T10:00:00.000',
      '2026-01-10',
      '2026-01-10 10:00:00-07:00',
      '2026-01-10T10:00:00-25:00',
      '2026-01-10T10:00:00+07:60',
      '2026-01-10T10:00:00 -07:00',
      'tomorrow',
      'Thu, 25 Oct 2018 16:44:02 GMT',
      '1540507442722',
      '+002026-01-10T10:00:00-07:00',
      '2026-1-10T10:00:00-07:00',
      '2026-01-10T10:00:00.1234-07:00',
      '2026-01-10T10:00:00-07:00 ',
    ]) {
      assertErrorBody(await post({ ...VALID, start }), 400, 'bad_request', 'start');
      assertErrorBody(await put({ start }), 400, 'bad_request', 'start');
    }
    assert.equal((await post({ ...VALID, start: '2028-02-29T10:00:00.000-07:00' })).status, 201, 'a real leap day is fine');
  });

  test('length outside 5..1440 is 400 naming length', async () => {
    for (const length of [4, 0, -5, 1441, 100000, 4.99]) {
      assertErrorBody(await post({ ...VALID, length }), 400, 'bad_request', 'length');
      assertErrorBody(await put({ length }), 400, 'bad_request', 'length');
    }
  });

  test('the Idempotency-Key header must be printable and at most 255 characters', async () => {
    for (const key of ['x'.repeat(256), 'has space', 'tab\there']) {
      const response = await send('POST', '/scheduling/bookings', JSON.stringify(VALID), { 'content-type': 'application/json', 'idempotency-key': key });
      assertErrorBody(response, 400, 'bad_request', 'Idempotency-Key');
    }
  });
});

describe('query parameters', () => {
  const list = (query: string) => send('GET', `/scheduling/locations/l1/bookings?${query}`);

  test('limit must be 1..500', async () => {
    for (const limit of ['0', '501', 'abc', '-1', '1.5', '', '1e2', '9999999999', ' 5']) {
      assertErrorBody(await list(`limit=${encodeURIComponent(limit)}`), 400, 'bad_request', 'limit');
    }
    assert.equal((await list('limit=1')).status, 200);
    assert.equal((await list('limit=500')).status, 200);
  });

  test('status must be open, pending, booked or closed', async () => {
    for (const status of ['bogus', 'OPEN', '', 'open,booked']) {
      assertErrorBody(await list(`status=${encodeURIComponent(status)}`), 400, 'bad_request', 'status');
    }
    assertErrorBody(await list('status=open&status=nope'), 400, 'bad_request', 'status');
  });

  test('cursor must be one the API gave out', async () => {
    for (const cursor of ['garbage', '', 'W10', Buffer.from('[1,"a b"]').toString('base64url'), Buffer.from('{"a":1}').toString('base64url'), Buffer.from('[1.5,"x"]').toString('base64url'), '%%%']) {
      assertErrorBody(await list(`cursor=${encodeURIComponent(cursor)}`), 400, 'bad_request', 'cursor');
    }
  });

  test('from and to must be ISO 8601 date-times with an offset, to after from', async () => {
    for (const [name, value] of [['from', 'yesterday'], ['from', '2026-02-30T00:00:00Z'], ['from', '2026-01-01T00:00:00'], ['to', '2026-01-01'], ['to', '']]) {
      assertErrorBody(await list(`${name}=${encodeURIComponent(value)}`), 400, 'bad_request', name);
    }
    assertErrorBody(await list(`from=${encodeURIComponent('2026-01-02T00:00:00Z')}&to=${encodeURIComponent('2026-01-01T00:00:00Z')}`), 400, 'bad_request', 'to');
    assert.equal((await list(`from=${encodeURIComponent('2026-01-01T00:00:00+02:00')}`)).status, 200);
  });

  test('an unknown or repeated single parameter is 400 naming it', async () => {
    assertErrorBody(await list('page=2'), 400, 'bad_request', 'page');
    assertErrorBody(await list('limit=5&limit=6'), 400, 'bad_request', 'limit');
  });

  test('ids in the path that cannot be ids are 400 or 404, never 500', async () => {
    for (const id of ['x'.repeat(65), '%00', 'a%20b', '%2E%2E', '%F0%9F%98%80', '%ZZ']) {
      for (const [method, path] of [
        ['GET', `/scheduling/bookings/${id}`],
        ['GET', `/scheduling/bookings/${id}/patient`],
        ['GET', `/scheduling/locations/${id}/bookings`],
        ['GET', `/scheduling/practices/${id}/bookings`],
        ['DELETE', `/scheduling/bookings/${id}`],
        ['PUT', `/scheduling/bookings/${id}`],
      ]) {
        const response = await send(method, path, method === 'PUT' ? '{"status":"pending"}' : undefined);
        assert.ok([400, 404].includes(response.status), `${method} ${path}: ${response.status}`);
        assertErrorBody(response, response.status, response.status === 400 ? 'bad_request' : 'not_found');
      }
    }
  });
});

describe('a fault inside the server', () => {
  test('is 500 internal_error with no detail in the body, and is logged', async () => {
    // A location row with a zone the CLI would refuse, written straight into the database.
    await server.thread.store.directory.createLocation(
      { id: 'broken', practice_id: 'p1', name: 'Broken', website: '', street_address: '', secondary_address: '', city: '', state: '', zip: '', timezone: 'Not/A_Zone' },
      Date.now(),
    );
    const before = server.logs.length;
    const series = await call('POST', '/scheduling/bookings', { start: '2031-02-03T10:00:00.000-07:00', location_id: 'broken', doctor_id: 'faulty', status: 'open', recurring: true });
    assert.equal(series.status, 201);
    const response = await send('POST', '/scheduling/bookings', JSON.stringify({ start: '2031-02-10T10:00:00.000-07:00', location_id: 'l1', doctor_id: 'faulty', status: 'open' }));
    assert.equal(response.status, 500);
    assert.deepEqual(response.json(), { status: 'internal_error', message: 'internal error' });
    assert.ok(!response.text.includes('Not/A_Zone') && !response.text.includes('at '), 'no detail');
    const logged = server.logs.slice(before).filter((line) => line.includes('"level":"error"') || line.includes('"status":500'));
    assert.ok(logged.some((line) => line.includes('"level":"error"')), 'the fault is logged');
    for (const line of logged) deliberate.add(line);
    assert.equal((await call('GET', '/scheduling/practices')).status, 200, 'and the server goes on');
  });
});
