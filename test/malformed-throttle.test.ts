// An address that keeps sending malformed requests (answered 400, 413 or 415) is refused with
// 429 before its next request is read (server/http/malformed.ts); everyone else goes on.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MALFORMED_PER_MINUTE } from '../server/http/malformed.js';
import { addClient, addPractice, basic, getToken, request, startServer, type RawResponse, type TestServer } from './helpers/server.js';

const LIST = '/scheduling/locations/l1/bookings';

describe('malformed requests from one address', () => {
  let server: TestServer;
  let auth: Record<string, string>;
  let client: { id: string; secret: string };
  before(async () => {
    server = await startServer();
    await addPractice(server, { id: 'p1' }, [{ id: 'l1', timezone: 'America/Denver' }]);
    client = await addClient(server, { id: 'c1', scopes: ['scheduling:read', 'scheduling:write'], practices: ['p1'] });
    auth = { authorization: `Bearer ${await getToken(server.url, client)}` };
  });
  after(() => server.close());

  /** One malformed request of each kind in turn: a bad query, a body too large, a wrong media type, a bad token form. */
  const malformed = (i: number, localAddress: string): Promise<RawResponse> => {
    switch (i % 4) {
      case 0:
        return request(server.url, { path: `${LIST}?nope=${i}`, headers: auth, localAddress });
      case 1:
        return request(server.url, { method: 'POST', path: '/scheduling/bookings', headers: { ...auth, 'content-type': 'application/json' }, body: 'x'.repeat(101 * 1024), localAddress });
      case 2:
        return request(server.url, { method: 'POST', path: '/scheduling/bookings', headers: { ...auth, 'content-type': 'text/plain' }, body: '{}', localAddress });
      default:
        return request(server.url, { method: 'POST', path: '/oauth2/token', headers: { authorization: basic(client), 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=a&grant_type=b', localAddress });
    }
  };

  test(`past ${MALFORMED_PER_MINUTE} a minute, the address gets 429 with Retry-After before its request is read; others go on`, async () => {
    const address = '127.0.20.1';
    for (let i = 0; i < MALFORMED_PER_MINUTE; i += 1) {
      const answer = await malformed(i, address);
      assert.ok([400, 413, 415].includes(answer.status), `request ${i}: ${answer.status} ${answer.text.slice(0, 100)}`);
    }
    // A well-formed request, a body that would be refused as too deep, and a token request: all 429 now.
    const refused = [
      await request(server.url, { path: `${LIST}?limit=7`, headers: auth, localAddress: address }),
      await request(server.url, { method: 'POST', path: '/scheduling/bookings', headers: { ...auth, 'content-type': 'application/json' }, body: '['.repeat(5000), localAddress: address }),
      await request(server.url, { method: 'POST', path: '/oauth2/token', headers: { authorization: basic(client), 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials', localAddress: address }),
    ];
    for (const answer of refused) {
      assert.equal(answer.status, 429, answer.text);
      assert.equal(answer.json().status, 'too_many_requests');
      assert.match(answer.json().message, /malformed/);
      const retryAfter = Number(answer.headers['retry-after']);
      assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After: ${answer.headers['retry-after']}`);
    }

    // The widget's request from a practice's page is refused too, and its page may read why (and when to retry).
    const widget = await request(server.url, { path: '/bff/v1/schedule?location_ids=l1', headers: { origin: 'https://www.practice.example' }, localAddress: address });
    assert.equal(widget.status, 429);
    assert.equal(widget.headers['access-control-allow-origin'], 'https://www.practice.example');
    assert.match(String(widget.headers['access-control-expose-headers']), /Retry-After/);

    const other = await request(server.url, { path: `${LIST}?limit=7`, headers: auth, localAddress: '127.0.20.2' });
    assert.equal(other.status, 200, 'another address is not affected');

    server.clock.advance(60_001);
    const later = await request(server.url, { path: `${LIST}?limit=8`, headers: auth, localAddress: address });
    assert.equal(later.status, 200, 'a minute later the address is served again');
  });

  test('refused logins, unknown routes and conflicts do not count', async () => {
    const address = '127.0.20.3';
    for (let i = 0; i < MALFORMED_PER_MINUTE + 10; i += 1) {
      const answer = await request(server.url, {
        path: i % 2 ? '/scheduling/nowhere' : LIST,
        headers: i % 2 ? auth : { authorization: 'Bearer nope' },
        localAddress: address,
      });
      assert.ok([401, 404].includes(answer.status), `${answer.status} ${answer.text.slice(0, 100)}`);
    }
    assert.equal((await request(server.url, { path: `${LIST}?limit=9`, headers: auth, localAddress: address })).status, 200);
  });
});

test('malformedPerMinute sets the limit', async () => {
  const server = await startServer({ malformedPerMinute: 3 });
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const answer = await request(server.url, { method: 'POST', path: '/oauth2/token', headers: { 'content-type': 'application/json' }, body: '{}', localAddress: '127.0.20.4' });
      statuses.push(answer.status);
    }
    assert.deepEqual(statuses, [400, 400, 400, 429, 429]);
  } finally {
    await server.close();
  }
});
