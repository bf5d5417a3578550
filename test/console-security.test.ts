// The practice console looked at as an attacker would (issue 14's review), over real HTTP and a real
// SQLite file: guessing sign-in links, another practice's holds made in the preview, CORS on the
// console's paths, and malformed input on every route.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { HoldChallenge, HoldResponse, ScheduleResponse } from '../shared/types.js';
import { bff, openBooking, PATIENT, solveChallenge } from './bff-helpers.js';
import { consoleCall, consoleLink, signIn } from './console-helpers.js';
import { addClient, addPractice, api, getToken, startServer, type TestServer } from './helpers/server.js';

let server: TestServer;

before(async () => {
  server = await startServer();
  await addPractice(server, { id: 'p1', name: 'Front Range Orthodontics' }, [{ id: 'den', timezone: 'America/Denver', name: 'Denver' }]);
  await addPractice(server, { id: 'p2', name: 'Other Practice' }, [{ id: 'other', timezone: 'America/New_York', name: 'Elsewhere' }]);
  const client = await addClient(server, { id: 'pms', scopes: ['scheduling:read', 'scheduling:write', 'scheduling:patients'], practices: '*' });
  const owner = api(server.url, await getToken(server.url, client));
  for (const hours of [26, 27, 28]) await openBooking(owner, { location_id: 'den', start: new Date(server.clock.now + hours * 3_600_000).toISOString() });
});

after(() => server?.close());

/** A request to the preview's BFF as the console page sends it (its Origin, the cookie, the CSRF token on changes). */
async function preview<T = any>(path: string, session: { cookie: string; csrf: string }, options: { body?: unknown; origin?: string } = {}) {
  const headers: Record<string, string> = { origin: options.origin ?? server.url, cookie: session.cookie };
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    headers['x-csrf-token'] = session.csrf;
  }
  const response = await fetch(`${server.url}/console/preview/bff/v1${path}`, {
    method: options.body === undefined ? 'GET' : 'POST',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : undefined) as T };
}

/** Holds den's first open time in the preview of `session`, solving the proof of work as the widget does. */
async function previewHold(session: { cookie: string; csrf: string }): Promise<HoldResponse> {
  const schedule = await preview<ScheduleResponse>('/schedule?location_ids=den', session);
  assert.equal(schedule.status, 200, JSON.stringify(schedule.body));
  const slot = schedule.body.locations[0].slots[0];
  const challenge = await preview<HoldChallenge>('/holds/challenge?location_id=den', session);
  assert.equal(challenge.status, 200, JSON.stringify(challenge.body));
  const nonce = solveChallenge(challenge.body.challenge, challenge.body.bits);
  const held = await preview<HoldResponse>('/holds', session, {
    body: { location_id: 'den', booking_id: slot.booking_id, start_datetime: slot.start_datetime, challenge: challenge.body.challenge, nonce, website: '' },
  });
  assert.equal(held.status, 201, JSON.stringify(held.body));
  return held.body;
}

describe('guessing sign-in links', () => {
  test('an address is stopped after 10 failed trades a minute, counted in the database for every process; even a good link waits', async () => {
    const second = await startServer({ databasePath: server.databasePath });
    second.clock.now = server.clock.now;
    try {
      const guess = (target: TestServer, n: number) =>
        consoleCall(target, 'POST', '/console/api/session', { body: { secret: `guess-${n}-${'x'.repeat(37)}` }, origin: target.url });
      // Failed trades of every kind count: unknown, used and expired links, on either server.
      const used = await consoleLink(server, 'p1');
      assert.equal((await consoleCall(server, 'POST', '/console/api/session', { body: { secret: used } })).status, 201);
      const expired = await consoleLink(server, 'p1', server.clock.now - 16 * 60_000);
      const failures = [
        await consoleCall(server, 'POST', '/console/api/session', { body: { secret: used } }),
        await consoleCall(second, 'POST', '/console/api/session', { body: { secret: expired }, origin: second.url }),
      ];
      for (let n = 0; n < 8; n++) failures.push(await guess(n % 2 ? second : server, n));
      assert.deepEqual([...new Set(failures.map((f) => f.status))].sort(), [404, 409, 410]);

      const good = await consoleLink(server, 'p1');
      for (const target of [server, second]) {
        const refused = await consoleCall(target, 'POST', '/console/api/session', { body: { secret: good }, origin: target.url });
        assert.equal(refused.status, 429, JSON.stringify(refused.body));
        assert.ok(Number(refused.headers.get('retry-after')) > 0);
        assert.match(refused.body.message, /Too many sign-in links tried/);
      }
      server.clock.advance(61_000);
      second.clock.advance(61_000);
      assert.equal((await consoleCall(second, 'POST', '/console/api/session', { body: { secret: good }, origin: second.url })).status, 201, 'the refused tries did not use the link');
    } finally {
      await second.close();
    }
  });
});

describe('the preview', () => {
  test("a hold made in one practice's preview cannot be released, extended or confirmed by another practice, nor by the server's own page", async () => {
    const p1 = await signIn(server, 'p1');
    const p2 = await signIn(server, 'p2');
    // The server's own origin registered as a site of p2 (the demo page is served from it): the public
    // BFF then takes a request without Origin, or with the server's, as p2's site.
    await server.thread.store.write((tx) => tx.directory.createSite({ origin: server.url, practice_id: 'p2' }, server.clock.now));
    try {
      const held = await previewHold(p1);
      const token = { hold_token: held.hold_token };
      for (const route of ['/holds/extend', '/holds/confirm', '/holds/release']) {
        const body = route === '/holds/confirm' ? { ...token, patient: PATIENT, website: '' } : token;
        const byOther = await preview(route, p2, { body });
        assert.equal(byOther.status, 404, `${route} in p2's preview: ${JSON.stringify(byOther.body)}`);
        assert.equal(byOther.body.reason, 'hold_not_found');
        for (const origin of [null, server.url]) {
          const byPage = await bff(server, route, { body, origin });
          assert.equal(byPage.status, 404, `${route} on the public BFF from ${origin ?? 'no Origin'}: ${byPage.text}`);
        }
      }
      const extended = await preview('/holds/extend', p1, { body: token });
      assert.equal(extended.status, 200, "still p1's, and still held");
      assert.equal((await preview('/holds/release', p1, { body: token })).body.status, 'released');
    } finally {
      await server.thread.store.write((tx) => tx.directory.removeSite({ origin: server.url, practice_id: 'p2' }));
    }
  });

  test('grants no CORS: the console is read only by its own page', async () => {
    const p1 = await signIn(server, 'p1');
    for (const path of ['/schedule?location_ids=den', '/holds/challenge?location_id=den']) {
      const answer = await preview(path, p1, { origin: 'https://evil.example' });
      assert.equal(answer.status, 200, path);
      assert.equal(answer.headers.get('access-control-allow-origin'), null, path);
    }
    for (const path of ['/console/api/me', '/console/api/locations']) {
      const answer = await consoleCall(server, 'GET', path, { cookie: p1.cookie, origin: 'https://evil.example' });
      assert.equal(answer.headers.get('access-control-allow-origin'), null, path);
    }
  });
});
