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
  test('an address is stopped after 10 unknown links a minute, counted in the database for every process; even a good link waits', async () => {
    const second = await startServer({ databasePath: server.databasePath });
    second.clock.now = server.clock.now;
    try {
      const trade = (target: TestServer, secret: string) => consoleCall(target, 'POST', '/console/api/session', { body: { secret }, origin: target.url });
      const guess = (target: TestServer, n: number) => trade(target, `guess-${n}-${'x'.repeat(37)}`);
      // A used or an expired link was a real one (two tabs racing, say): not a guess, not counted.
      const used = await consoleLink(server, 'p1');
      assert.equal((await trade(server, used)).status, 201);
      for (let n = 0; n < 3; n++) assert.equal((await trade(second, used)).status, 409);
      assert.equal((await trade(server, await consoleLink(server, 'p1', server.clock.now - 16 * 60_000))).status, 410);
      // Guesses on either server count together.
      for (let n = 0; n < 9; n++) assert.equal((await guess(n % 2 ? second : server, n)).status, 404);
      assert.equal((await trade(second, await consoleLink(server, 'p1'))).status, 201, 'nine guesses: a good link still works');
      assert.equal((await guess(server, 9)).status, 404);

      const good = await consoleLink(server, 'p1');
      for (const target of [server, second]) {
        const refused = await trade(target, good);
        assert.equal(refused.status, 429, JSON.stringify(refused.body));
        assert.ok(Number(refused.headers.get('retry-after')) > 0);
        assert.match(refused.body.message, /Too many sign-in links tried/);
      }
      assert.equal((await guess(second, 10)).status, 429, 'a guess is refused before it is looked up');
      server.clock.advance(61_000);
      second.clock.advance(61_000);
      assert.equal((await trade(second, good)).status, 201, 'a minute later; the refused tries did not use the link');
    } finally {
      await second.close();
    }
  });
});

describe('a new sign-in in the same browser', () => {
  test("ends the browser's session before it: the cookie it replaces signs no one in any more", async () => {
    const before = await signIn(server, 'p1');
    const traded = await consoleCall(server, 'POST', '/console/api/session', { body: { secret: await consoleLink(server, 'p2') }, cookie: before.cookie });
    assert.equal(traded.status, 201);
    assert.equal((await consoleCall(server, 'GET', '/console/api/me', { cookie: before.cookie })).status, 401);
    const after = traded.headers.get('set-cookie')!.split(';')[0];
    assert.equal((await consoleCall(server, 'GET', '/console/api/me', { cookie: after })).body.practice.id, 'p2');
  });
});

describe('what holds already (checked again)', () => {
  test('one link traded at the same moment on two processes: one session', async () => {
    const second = await startServer({ databasePath: server.databasePath });
    second.clock.now = server.clock.now;
    try {
      const secret = await consoleLink(server, 'p1');
      const answers = await Promise.all(
        [server, second, server, second, server, second].map((target) => consoleCall(target, 'POST', '/console/api/session', { body: { secret }, origin: target.url })),
      );
      assert.deepEqual(answers.map((a) => a.status).sort(), [201, 409, 409, 409, 409, 409]);
    } finally {
      await second.close();
    }
  });

  test("a sign-up shown in the console: no-store, audited with the console's link and address, never in the log", async () => {
    const client = await addClient(server, { id: 'booker', scopes: ['scheduling:read', 'scheduling:write', 'scheduling:book', 'scheduling:patients'], practices: ['p1'] });
    const owner = api(server.url, await getToken(server.url, client));
    const booking = await openBooking(owner, { location_id: 'den', start: new Date(server.clock.now + 50 * 3_600_000).toISOString() });
    assert.equal((await owner('PUT', `/scheduling/bookings/${booking.id}`, { status: 'pending' })).status, 200);
    assert.equal((await owner('PUT', `/scheduling/bookings/${booking.id}`, { status: 'booked', patient: PATIENT })).status, 200);
    const p1 = await signIn(server, 'p1');
    for (let view = 1; view <= 2; view++) {
      const shown = await consoleCall(server, 'GET', `/console/api/bookings/${booking.id}/sign-up`, { cookie: p1.cookie });
      assert.deepEqual(shown.body, PATIENT);
      assert.equal(shown.headers.get('cache-control'), 'no-store');
    }
    const views = (await server.thread.store.audit.ofPractice('p1', 0)).filter((e) => e.booking_id === booking.id && e.actor_kind === 'console');
    assert.equal(views.length, 2, 'each view is a line');
    assert.ok(views.every((e) => e.outcome === 'read' && e.address === '127.0.0.1' && typeof e.actor_id === 'string' && e.actor_id.length > 0));
    for (const value of Object.values(PATIENT)) assert.ok(!server.logs.some((line) => line.includes(value)), 'no patient data in the log');
  });
});

describe('odd spellings of a path', () => {
  test('every API route checks the session however its path is written (the router matches paths in any case)', async () => {
    const p1 = await signIn(server, 'p1');
    const p2 = await signIn(server, 'p2');
    const owner = api(server.url, await getToken(server.url, await addClient(server, { id: 'odd', scopes: ['scheduling:read'], practices: ['p1'] })));
    const booking = ((await owner('GET', '/scheduling/locations/den/bookings')).body as Array<{ id: string }>)[0].id;
    const routes: Array<[string, string, unknown?]> = [
      ['GET', '/console/API/me'],
      ['GET', '/console/Api/locations'],
      ['GET', '/console/api/../API/sites'],
      ['POST', '/console/API/sites', { origin: 'https://odd.example' }],
      ['DELETE', '/console/API/session'],
      ['DELETE', `/console/API/sites/${encodeURIComponent('https://odd.example')}`],
      ['GET', '/console/API/locations/den/appointments'],
      ['GET', `/console/API/bookings/${booking}/sign-up`],
    ];
    for (const [method, path, body] of routes) {
      const headers = (cookie?: string): Record<string, string> => ({ origin: server.url, 'content-type': 'application/json', ...(cookie ? { cookie } : {}) });
      const send = (cookie?: string, csrf?: string) =>
        fetch(`${server.url}${path}`, { method, headers: { ...headers(cookie), ...(csrf ? { 'x-csrf-token': csrf } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
      const anonymous = await send();
      assert.ok([401, 404].includes(anonymous.status), `${method} ${path} without a session: ${anonymous.status} ${await anonymous.text()}`);
      if (method !== 'GET') {
        const forged = await send(p1.cookie);
        assert.ok([403, 404].includes(forged.status), `${method} ${path} without the CSRF token: ${forged.status} ${await forged.text()}`);
      }
      if (path.includes('sign-up')) {
        const other = await send(p2.cookie);
        assert.equal(other.status, 404, `${path} as another practice: ${await other.text()}`);
      }
    }
    assert.equal(await server.thread.store.directory.site('https://odd.example'), undefined);
    assert.equal((await consoleCall(server, 'GET', '/console/api/me', { cookie: p1.cookie })).status, 200, 'still signed in');
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
      // Each change in a preview is logged with whose console made it; the hold's token never is.
      const changes = server.logs.map((line) => JSON.parse(line)).filter((line) => line.msg === 'console preview change');
      const links = await server.thread.store.sql.all<{ id: string; practice_id: string }>('SELECT id, practice_id FROM console_links');
      const practiceOf = new Map(links.map((link) => [link.id, link.practice_id]));
      assert.deepEqual(
        changes.map((line) => [line.practice_id, practiceOf.get(line.link_id), line.path, line.status]),
        [
          ['p1', 'p1', '/console/preview/bff/v1/holds', 201],
          ['p2', 'p2', '/console/preview/bff/v1/holds/extend', 404],
          ['p2', 'p2', '/console/preview/bff/v1/holds/confirm', 404],
          ['p2', 'p2', '/console/preview/bff/v1/holds/release', 404],
        ],
      );
      assert.ok(!server.logs.some((line) => line.includes(held.hold_token)));
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

describe('malformed input', () => {
  let server: TestServer;
  before(async () => {
    // Every malformed request answered for what it is, not refused for the ones before it.
    server = await startServer({ malformedPerMinute: Infinity });
    await addPractice(server, { id: 'p1' }, [{ id: 'den', timezone: 'America/Denver' }]);
  });
  after(() => server?.close());

  test('every route answers bad bodies, ids, queries and cookies with a 4xx JSON error naming the problem, never a 500', async () => {
    const p1 = await signIn(server, 'p1');
    const long = 'a'.repeat(5000);
    const bodies = ['not json', '[]', '"text"', 'null', '{"secret":5,"origin":5}', '{}', `{"secret":"${long}","origin":"${long}"}`, '{"secret":"a","origin":"https://a.example","x":1}', '{"secret":"\\u0000","origin":"https://\\u0000.example"}', '['.repeat(5000)];
    const origins = ['https://[::1', 'https://a..example', 'https://éxample.com', 'https://0x7f.1', 'https://a.example:0', 'https://a.example:99999', 'https://user@a.example', ` https://${'a'.repeat(64)}.example`, 'javascript://a.example', 'https://a.example.'];
    const cases: Array<{ method: string; path: string; body?: string; type?: string; cookie?: string | null }> = [
      ...bodies.flatMap((body) => [
        { method: 'POST', path: '/console/api/session', body, cookie: null },
        { method: 'POST', path: '/console/api/sites', body },
        { method: 'POST', path: '/console/preview/bff/v1/holds', body },
        { method: 'POST', path: '/console/preview/bff/v1/holds/release', body },
      ]),
      ...origins.map((origin) => ({ method: 'POST', path: '/console/api/sites', body: JSON.stringify({ origin }) })),
      { method: 'POST', path: '/console/api/session', body: '{"secret":"x"}', type: 'text/plain', cookie: null },
      { method: 'POST', path: '/console/api/sites', body: 'origin=https://a.example', type: 'application/x-www-form-urlencoded' },
      { method: 'POST', path: '/console/api/session', cookie: null },
      ...['%ZZ', '%00', '..%2F..%2Fme', encodeURIComponent(`https://${long}.example`), '%F0%9F%98%80'].flatMap((id) => [
        { method: 'DELETE', path: `/console/api/sites/${id}` },
        { method: 'GET', path: `/console/api/locations/${id}/appointments` },
        { method: 'GET', path: `/console/api/bookings/${id}/sign-up` },
      ]),
      ...['cursor=abc', 'cursor=99999999999999999.x', 'cursor=1.a&cursor=2.b', 'cursor=%ZZ', `cursor=1.${long}`, 'limit=1e2', 'limit=-1', 'limit=', 'limit=101', 'foo=1', 'limit=1&limit=2'].map((query) => ({
        method: 'GET',
        path: `/console/api/locations/den/appointments?${query}`,
      })),
      ...['location_ids=', 'location_ids=den&days=abc', `location_ids=${long}`, 'location_id=%ZZ'].map((query) => ({
        method: 'GET',
        path: `/console/preview/bff/v1/schedule?${query}`,
      })),
      ...[`thread_console=${long}`, 'thread_console=%00', 'thread_console=', 'thread_console=a=b; thread_console=c', `thread_console=${'x'.repeat(43)}`].map((cookie) => ({ method: 'GET', path: '/console/api/me', cookie })),
    ];
    const failures: string[] = [];
    for (const { method, path, body, type, cookie } of cases) {
      const headers: Record<string, string> = { origin: server.url, 'x-csrf-token': p1.csrf };
      if (cookie !== null) headers.cookie = cookie ?? p1.cookie;
      if (body !== undefined) headers['content-type'] = type ?? 'application/json';
      const response = await fetch(`${server.url}${path}`, { method, headers, body });
      const text = await response.text();
      let parsed: { status?: unknown; message?: unknown } | undefined;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      const what = `${method} ${path.slice(0, 120)} ${(body ?? '').slice(0, 60)}: ${response.status} ${text.slice(0, 200)}`;
      if (response.status < 400 || response.status >= 429 || typeof parsed?.status !== 'string' || typeof parsed.message !== 'string') failures.push(what);
    }
    assert.deepEqual(failures, []);
    assert.equal((await consoleCall(server, 'GET', '/console/api/me', { cookie: p1.cookie })).status, 200, 'the session is still fine');
  });
});
