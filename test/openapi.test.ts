// GET /openapi.json (issue 13): a valid OpenAPI 3.1 document built from the schemas the routes
// check their input with; the response check every shared test helper runs against it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { checkResponse, document as built, DOCUMENT_URL, templateOf } from './helpers/openapi.js';
import { addClient, addPractice, getToken, request, startServer, type TestServer } from './helpers/server.js';

let server: TestServer;
let token: string;

before(async () => {
  server = await startServer();
  await addPractice(server, { id: 'p1' }, [{ id: 'l1', timezone: 'America/Denver' }]);
  token = await getToken(server.url, await addClient(server, { id: 'c1', scopes: ['scheduling:read', 'scheduling:write'], practices: ['p1'] }));
});
after(() => server.close());

const served = async () => {
  const response = await request(server.url, { path: '/openapi.json' });
  assert.equal(response.status, 200);
  return { response, document: response.json() };
};

describe('GET /openapi.json', () => {
  test('is a valid OpenAPI 3.1 document naming this server and its token URL, public and briefly cacheable', async () => {
    const { response, document } = await served();
    assert.match(String(response.headers['content-type']), /^application\/json/);
    assert.equal(response.headers['cache-control'], 'public, max-age=300');
    const validator = new Validator();
    const result = await validator.validate(document);
    assert.equal(result.valid, true, JSON.stringify(result.errors));
    assert.equal(validator.version, '3.1');
    assert.deepEqual(document.servers, [{ url: server.url }]);
    assert.equal(document.components.securitySchemes.oauth2.flows.clientCredentials.tokenUrl, `${server.url}/oauth2/token`);
    for (const type of ['booking.created', 'booking.updated', 'booking.held', 'booking.released', 'booking.booked', 'booking.closed']) {
      const event = document.webhooks[type]?.post;
      assert.ok(event, `${type} is in the webhooks section`);
      assert.equal(event.requestBody.content['application/json'].schema.properties.type.const, type);
      assert.equal(event.requestBody.content['application/json'].schema.properties.data.$ref, '#/components/schemas/Booking');
      assert.deepEqual(event.parameters.map((p: { name: string }) => p.name), ['webhook-id', 'webhook-timestamp', 'webhook-signature']);
    }
  });

  test('documents the booking API, the token endpoint, the BFF and the server, each operation with its scopes and errors', async () => {
    const { document } = await served();
    for (const path of ['/scheduling/bookings', '/scheduling/bookings/{id}', '/scheduling/bookings/{id}/patient', '/scheduling/locations/{id}/bookings', '/oauth2/token', '/.well-known/jwks.json', '/bff/v1/schedule', '/bff/v1/holds/confirm', '/healthz', '/openapi.json']) {
      assert.ok(document.paths[path], `${path} is documented`);
    }
    assert.deepEqual(document.paths['/scheduling/bookings'].post.security[0], { oauth2: ['scheduling:write'] });
    assert.deepEqual(document.paths['/scheduling/bookings/{id}/patient'].get.security[0], { oauth2: ['scheduling:patients'] });
    for (const [path, item] of Object.entries<Record<string, { responses: Record<string, unknown> }>>(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        assert.ok(operation.responses['429'] && operation.responses['500'], `${method} ${path} documents 429 and 500`);
      }
    }
    const post = document.paths['/scheduling/bookings'].post.responses;
    for (const status of ['201', '400', '401', '403', '409', '413', '415', '422', '429', '500']) assert.ok(post[status], `POST /scheduling/bookings documents ${status}`);
    assert.equal(document.components.responses.E429.headers['Retry-After'].$ref, '#/components/headers/RetryAfter');
    assert.equal(document.components.headers.RetryAfter.required, true);
  });

  test('is the document the routes check with: what its schema refuses the server refuses, what it accepts the server takes', async () => {
    const { document } = await served();
    assert.deepEqual(document, JSON.parse(JSON.stringify(built).replaceAll(DOCUMENT_URL, server.url)), 'the document the response check uses is the one served');
    const ajv = new Ajv2020({ strict: false });
    ajv.addSchema({ $id: 'https://thread.test/doc.json', components: document.components });
    const accepts = ajv.compile({ $ref: 'https://thread.test/doc.json#/components/schemas/NewBooking' });
    const day = (n: number) => new Date(Math.floor(server.clock.now / 86_400_000 + n) * 86_400_000 + 16 * 3_600_000).toISOString();
    const valid = { start: day(7), location_id: 'l1', doctor_id: 'D1', length: 30 };
    const cases: Array<Record<string, unknown>> = [
      valid,
      { ...valid, start: day(8).replace('.000Z', '-07:00'), recurring: true, status: 'open' },
      { ...valid, colour: 'red' },
      { ...valid, length: 4 },
      { ...valid, length: 60.5 },
      { ...valid, status: 'closed' },
      { ...valid, recurring: 'yes' },
      { ...valid, doctor_id: 'has space' },
      { location_id: 'l1', doctor_id: 'D1' },
      { ...valid, start: 'tomorrow' },
    ];
    for (const [i, body] of cases.entries()) {
      const answer = await request(server.url, {
        method: 'POST',
        path: '/scheduling/bookings',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ...body, ...(body.doctor_id === 'D1' ? { doctor_id: `D${i}` } : {}) }),
      });
      assert.equal(answer.status === 400, !accepts(body), `${JSON.stringify(body)}: document ${accepts(body) ? 'accepts' : 'refuses'}, server answered ${answer.status} ${answer.text}`);
    }
  });
});

describe('every route', () => {
  test("answers OPTIONS, HEAD, and GET or POST with no token or body, as the document says (the request helper checks each answer)", async () => {
    const paths = Object.keys(built.paths);
    for (const template of paths) {
      const path = template.replace('{id}', 'x1');
      for (const method of ['OPTIONS', 'HEAD', 'GET', 'POST', 'PUT', 'DELETE']) {
        const answer = await request(server.url, { method, path, ...(method === 'POST' || method === 'PUT' ? { body: '{}', headers: { 'content-type': 'application/json' } } : {}) });
        assert.ok(answer.status < 500, `${method} ${path}: ${answer.status}`);
      }
    }
  });
});

describe('the response check of the shared test helpers', () => {
  const booking = { id: 'b1', location_id: 'l1', doctor_id: 'd1', start_datetime: '2031-03-03T09:00:00.000-07:00', length: 30, status: 'open', recurring: false };
  const json = (status: number, body: unknown, headers: Record<string, string> = {}) => ({ status, contentType: 'application/json; charset=utf-8', headers, text: JSON.stringify(body) });

  test('finds the path template of a request path, the literal one before a template', () => {
    assert.equal(templateOf('/scheduling/bookings/b1?x=1'), '/scheduling/bookings/{id}');
    assert.equal(templateOf('/scheduling/bookings'), '/scheduling/bookings');
    assert.equal(templateOf('/bff/v1/holds/extend'), '/bff/v1/holds/extend');
    assert.equal(templateOf('/scheduling/nope/x/y'), undefined);
  });

  test('passes an answer the document describes', () => {
    checkResponse('GET', '/scheduling/bookings/b1', json(200, booking));
    checkResponse('GET', '/scheduling/locations/l1/bookings?limit=5', json(200, [booking]));
    checkResponse('GET', '/nope', json(404, { status: 'not_found', message: 'no such route: GET /nope' }));
    checkResponse('PATCH', '/scheduling/bookings/b1', json(405, { status: 'method_not_allowed', message: 'PATCH is not allowed here' }, { allow: 'GET, PUT, DELETE' }));
    checkResponse('POST', '/bff/v1/holds', json(429, { status: 'too_many_requests', message: 'wait', reason: 'rate_limited' }, { 'retry-after': '5' }));
  });

  test('fails an answer that does not match: a body, a status, a content type or a header the document does not give', () => {
    const { length: _, ...withoutLength } = booking;
    assert.throws(() => checkResponse('GET', '/scheduling/bookings/b1', json(200, withoutLength)), /does not match the document/);
    assert.throws(() => checkResponse('GET', '/scheduling/bookings/b1', json(200, { ...booking, patient: 'Ana' })), /does not match the document/);
    assert.throws(() => checkResponse('GET', '/scheduling/bookings/b1', json(418, { status: 'bad_request', message: 'x' })), /not documented/);
    assert.throws(() => checkResponse('GET', '/scheduling/bookings/b1', { ...json(200, booking), contentType: 'text/html' }), /content type/);
    assert.throws(() => checkResponse('GET', '/nope', json(404, { error: 'not_found' })), /does not match the document/);
    assert.throws(() => checkResponse('GET', '/nope', json(200, {})), /does not have/);
    assert.throws(() => checkResponse('POST', '/bff/v1/holds', json(429, { status: 'too_many_requests', message: 'wait' })), /Retry-After header is missing/);
    assert.throws(() => checkResponse('POST', '/oauth2/token', json(400, { status: 'bad_request', message: 'x' })), /does not match the document/);
  });
});
