// The practice console's server side (CONTRACT section 9) over real HTTP and a real SQLite file:
// sign-in links (once, 15 minutes), the session cookie, CSRF, and that a session sees its own
// practice only, whatever ids are tried by hand. The page itself is tested in console-e2e.test.ts.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Booking } from '../shared/types.js';
import { bff, PATIENT } from './bff-helpers.js';
import { consoleCall, consoleLink, signIn } from './console-helpers.js';
import { databaseEnv } from './helpers/database.js';
import { addClient, addPractice, api, getToken, startServer, type TestServer } from './helpers/server.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MINUTE = 60_000;
let server: TestServer;
let mine: Booking[];
let theirs: Booking;

/** Books a time through the API with a sign-up, as the widget's BFF does. */
async function bookedWithSignUp(call: ReturnType<typeof api>, location: string, start: string, doctor: string): Promise<Booking> {
  const created = await call('POST', '/scheduling/bookings', { start, location_id: location, doctor_id: doctor, length: 30, status: 'open' });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = (created.body as Booking).id;
  assert.equal((await call('PUT', `/scheduling/bookings/${id}`, { status: 'pending' })).status, 200);
  const booked = await call('PUT', `/scheduling/bookings/${id}`, { status: 'booked', patient: PATIENT });
  assert.equal(booked.status, 200, JSON.stringify(booked.body));
  return booked.body as Booking;
}

before(async () => {
  server = await startServer();
  await addPractice(server, { id: 'p1', name: 'Front Range Orthodontics' }, [
    { id: 'den', timezone: 'America/Denver', name: 'Denver' },
    { id: 'chi', timezone: 'America/Chicago', name: 'Chicago' },
  ]);
  await addPractice(server, { id: 'p2', name: 'Other Practice' }, [{ id: 'other', timezone: 'America/New_York', name: 'Elsewhere' }]);
  await server.thread.store.write((tx) => tx.directory.createSite({ origin: 'https://other.example', practice_id: 'p2' }, server.clock.now));
  const client = await addClient(server, { id: 'pms', scopes: ['scheduling:read', 'scheduling:write', 'scheduling:book', 'scheduling:patients'], practices: ['p1', 'p2'] });
  const call = api(server.url, await getToken(server.url, client));
  const day = (n: number, hour: number) => new Date(Math.floor(server.clock.now / 86_400_000 + n) * 86_400_000 + hour * 3_600_000).toISOString();
  mine = [await bookedWithSignUp(call, 'den', day(3, 17), 'd1'), await bookedWithSignUp(call, 'den', day(2, 16), 'd2'), await bookedWithSignUp(call, 'den', day(4, 15), 'd3')];
  theirs = await bookedWithSignUp(call, 'other', day(2, 15), 'd9');
});

after(() => server?.close());

describe('thread console-link', () => {
  test('prints a one-time URL with the secret in the fragment and when it expires; the database keeps only its hash', async () => {
    const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, ['--import', 'tsx', 'server/cli.ts', 'console-link', '--practice', 'p1'], { cwd: root, env: { ...process.env, ...databaseEnv(server.databasePath), PUBLIC_URL: server.url } }, (error, stdout, stderr) =>
        resolve({ code: error ? 1 : 0, stdout, stderr }),
      ),
    );
    assert.equal(run.code, 0, run.stderr);
    const printed = JSON.parse(run.stdout) as { url: string; expires_at: string };
    const url = new URL(printed.url);
    assert.equal(`${url.origin}${url.pathname}`, `${server.url}/console`);
    assert.match(url.hash, /^#[A-Za-z0-9_-]{43}$/);
    assert.equal(url.search, '');
    const minutes = (Date.parse(printed.expires_at) - Date.now()) / MINUTE;
    assert.ok(minutes > 14 && minutes <= 15, `expires in 15 minutes: ${minutes}`);
    const stored = await server.thread.store.sql.all<Record<string, unknown>>('SELECT * FROM console_links');
    assert.ok(!JSON.stringify(stored).includes(url.hash.slice(1)), 'the secret itself is not stored');

    const unknown = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(process.execPath, ['--import', 'tsx', 'server/cli.ts', 'console-link', '--practice', 'nope'], { cwd: root, env: { ...process.env, ...databaseEnv(server.databasePath) } }, (error, _stdout, stderr) =>
        resolve({ code: error ? 1 : 0, stderr }),
      ),
    );
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, 'thread: no practice "nope"\n');
  });
});

describe('signing in', () => {
  test('a link signs in once: the cookie is HttpOnly, SameSite=Strict, Path=/console (no Secure on this machine); used again it is refused plainly', async () => {
    const secret = await consoleLink(server, 'p1');
    const first = await consoleCall(server, 'POST', '/console/api/session', { body: { secret } });
    assert.equal(first.status, 201);
    assert.deepEqual(first.body, { practice: { id: 'p1', name: 'Front Range Orthodontics' } });
    const cookie = first.headers.get('set-cookie')!;
    assert.match(cookie, /^thread_console=[A-Za-z0-9_-]{43}; Path=\/console; HttpOnly; SameSite=Strict$/);
    assert.equal(first.headers.get('cache-control'), 'no-store');
    const token = cookie.split(';')[0].split('=')[1];
    const sessions = await server.thread.store.sql.all<Record<string, unknown>>('SELECT * FROM console_sessions');
    assert.ok(!JSON.stringify(sessions).includes(token), 'the session token itself is not stored');

    const again = await consoleCall(server, 'POST', '/console/api/session', { body: { secret } });
    assert.equal(again.status, 409);
    assert.match(again.body.message, /already used/);
    assert.equal(again.headers.get('set-cookie'), null);
  });

  test('two tabs trading one link at the same moment: one session', async () => {
    const secret = await consoleLink(server, 'p1');
    const answers = await Promise.all(Array.from({ length: 8 }, () => consoleCall(server, 'POST', '/console/api/session', { body: { secret } })));
    assert.deepEqual(answers.map((a) => a.status).sort(), [201, 409, 409, 409, 409, 409, 409, 409]);
  });

  test('a link older than 15 minutes has expired; an unknown one is not valid', async () => {
    const late = await consoleLink(server, 'p1', server.clock.now - 15 * MINUTE);
    const expired = await consoleCall(server, 'POST', '/console/api/session', { body: { secret: late } });
    assert.equal(expired.status, 410);
    assert.match(expired.body.message, /expired/);
    const fresh = await consoleLink(server, 'p1', server.clock.now - 15 * MINUTE + 1000);
    assert.equal((await consoleCall(server, 'POST', '/console/api/session', { body: { secret: fresh } })).status, 201, 'a second before the end it still works');
    const unknown = await consoleCall(server, 'POST', '/console/api/session', { body: { secret: 'x'.repeat(43) } });
    assert.equal(unknown.status, 404);
    assert.equal((await consoleCall(server, 'POST', '/console/api/session', { body: {} })).status, 400);
    assert.equal((await consoleCall(server, 'POST', '/console/api/session', { body: { secret: late, extra: 1 } })).status, 400);
  });

  test('trading a link from another site is refused (login CSRF)', async () => {
    const secret = await consoleLink(server, 'p1');
    const foreign = await consoleCall(server, 'POST', '/console/api/session', { body: { secret }, origin: 'https://evil.example' });
    assert.equal(foreign.status, 403);
    assert.equal((await consoleCall(server, 'POST', '/console/api/session', { body: { secret }, origin: null })).status, 403);
    assert.equal((await consoleCall(server, 'POST', '/console/api/session', { body: { secret } })).status, 201, 'the link was not used up by the refused tries');
  });

  test('a session ends after 8 idle hours, not while in use; signing out ends it at once', async () => {
    const { cookie, csrf } = await signIn(server, 'p1');
    for (let i = 0; i < 3; i += 1) {
      server.clock.advance(7 * 60 * MINUTE);
      assert.equal((await consoleCall(server, 'GET', '/console/api/me', { cookie })).status, 200, `still alive after ${(i + 1) * 7} hours in use`);
    }
    server.clock.advance(8 * 60 * MINUTE + 1);
    const idle = await consoleCall(server, 'GET', '/console/api/me', { cookie });
    assert.equal(idle.status, 401);
    assert.equal(idle.body.status, 'unauthorized');

    const other = await signIn(server, 'p1');
    assert.equal((await consoleCall(server, 'DELETE', '/console/api/session', { cookie: other.cookie, csrf: other.csrf })).status, 204);
    assert.equal((await consoleCall(server, 'GET', '/console/api/locations', { cookie: other.cookie })).status, 401);
    assert.ok(csrf);
  });
});

describe('a signed-in session', () => {
  let p1: { cookie: string; csrf: string };
  before(async () => {
    p1 = await signIn(server, 'p1');
  });

  test("shows the practice's locations with ids, addresses and time zones", async () => {
    const me = await consoleCall(server, 'GET', '/console/api/me', { cookie: p1.cookie });
    assert.deepEqual(me.body.practice, { id: 'p1', name: 'Front Range Orthodontics' });
    assert.equal(me.body.origin, server.url);
    const locations = await consoleCall(server, 'GET', '/console/api/locations', { cookie: p1.cookie });
    assert.deepEqual(
      locations.body.locations.map((l: { id: string; timezone: string; city: string }) => [l.id, l.timezone, l.city]),
      [
        ['chi', 'America/Chicago', 'Springfield'],
        ['den', 'America/Denver', 'Springfield'],
      ],
    );
  });

  test('adds a site checked as the CLI checks it, refuses one taken, removes it; the BFF follows at once', async () => {
    const origin = 'https://www.front-range.example';
    const refusals: Array<[string, RegExp]> = [
      ['http://www.front-range.example', /must use https/],
      ['https://www.front-range.example/booking', /path, query or fragment/],
      ['https://*.front-range.example', /not a host name/],
      ['ftp://x.example', /must start with https/],
      ['https://other.example', /registered to another practice/],
    ];
    for (const [text, message] of refusals) {
      const refused = await consoleCall(server, 'POST', '/console/api/sites', { cookie: p1.cookie, csrf: p1.csrf, body: { origin: text } });
      assert.ok(refused.status === 400 || refused.status === 409, `${text}: ${refused.status}`);
      assert.match(refused.body.message, message);
      assert.doesNotMatch(refused.body.message, /p2/, "another practice's id is never named");
    }
    assert.equal((await bff(server, '/schedule?location_ids=den', { origin })).status, 403, 'not registered yet');

    const added = await consoleCall(server, 'POST', '/console/api/sites', { cookie: p1.cookie, csrf: p1.csrf, body: { origin: 'HTTPS://WWW.Front-Range.example:443' } });
    assert.equal(added.status, 201);
    assert.equal(added.body.origin, origin, 'written as browsers send it');
    assert.equal((await consoleCall(server, 'POST', '/console/api/sites', { cookie: p1.cookie, csrf: p1.csrf, body: { origin } })).status, 409);
    const sites = await consoleCall(server, 'GET', '/console/api/sites', { cookie: p1.cookie });
    assert.deepEqual(sites.body.sites.map((s: { origin: string }) => s.origin), [origin]);
    assert.equal((await bff(server, '/schedule?location_ids=den', { origin })).status, 200, 'the widget works there now');

    assert.equal((await consoleCall(server, 'DELETE', `/console/api/sites/${encodeURIComponent(origin)}`, { cookie: p1.cookie, csrf: p1.csrf })).status, 204);
    assert.equal((await bff(server, '/schedule?location_ids=den', { origin })).status, 403, 'and no longer once removed');
    assert.deepEqual((await consoleCall(server, 'GET', '/console/api/sites', { cookie: p1.cookie })).body.sites, []);
  });

  test("lists a location's upcoming booked appointments by start, a page at a time", async () => {
    const first = await consoleCall(server, 'GET', '/console/api/locations/den/appointments?limit=2', { cookie: p1.cookie });
    assert.equal(first.status, 200);
    assert.equal(first.body.timezone, 'America/Denver');
    const byStart = [...mine].sort((a, b) => Date.parse(a.start_datetime) - Date.parse(b.start_datetime));
    assert.deepEqual(first.body.appointments.map((a: { id: string }) => a.id), byStart.slice(0, 2).map((b) => b.id));
    assert.ok(first.body.next);
    const second = await consoleCall(server, 'GET', `/console/api/locations/den/appointments?limit=2&cursor=${encodeURIComponent(first.body.next)}`, { cookie: p1.cookie });
    assert.deepEqual(second.body.appointments.map((a: { id: string }) => a.id), [byStart[2].id]);
    assert.equal(second.body.next, null);
    assert.equal((await consoleCall(server, 'GET', '/console/api/locations/den/appointments?limit=0', { cookie: p1.cookie })).status, 400);
    assert.equal((await consoleCall(server, 'GET', '/console/api/locations/chi/appointments', { cookie: p1.cookie })).body.appointments.length, 0);
  });

  test("shows a booking's sign-up, and each view is in the audit trail as the console's", async () => {
    const shown = await consoleCall(server, 'GET', `/console/api/bookings/${mine[0].id}/sign-up`, { cookie: p1.cookie });
    assert.equal(shown.status, 200);
    assert.deepEqual(shown.body, PATIENT);
    const events = await server.thread.store.audit.ofPractice('p1', 0);
    const last = events[events.length - 1];
    assert.equal(last.booking_id, mine[0].id);
    assert.equal(last.actor_kind, 'console');
    assert.equal(last.outcome, 'read');
    assert.equal(last.address, '127.0.0.1');
  });

  test("never reaches another practice's data: its location, booking and site ids tried by hand on every route", async () => {
    const cookie = p1.cookie;
    for (const route of ['/console/api/locations/other/appointments', `/console/api/bookings/${theirs.id}/sign-up`, '/console/api/locations/nowhere/appointments']) {
      const answer = await consoleCall(server, 'GET', route, { cookie });
      assert.equal(answer.status, 404, route);
      assert.doesNotMatch(JSON.stringify(answer.body), /Elsewhere|New_York|d9|Quillfeather/);
    }
    const removal = await consoleCall(server, 'DELETE', `/console/api/sites/${encodeURIComponent('https://other.example')}`, { cookie, csrf: p1.csrf });
    assert.equal(removal.status, 404);
    assert.ok(await server.thread.store.directory.site('https://other.example'), "the other practice's site is still there");
    const locations = await consoleCall(server, 'GET', '/console/api/locations', { cookie });
    assert.ok(!JSON.stringify(locations.body).includes('other'));
    assert.ok(!JSON.stringify((await consoleCall(server, 'GET', '/console/api/sites', { cookie })).body).includes('other.example'));
    // The preview's BFF serves the session's practice only.
    const preview = await consoleCall(server, 'GET', '/console/preview/bff/v1/schedule?location_ids=other', { cookie });
    assert.equal(preview.status, 403);
    assert.doesNotMatch(JSON.stringify(preview.body), /Elsewhere|slots/);
    assert.equal((await consoleCall(server, 'GET', '/console/preview/bff/v1/schedule?location_ids=den', { cookie })).status, 200);
    assert.equal((await consoleCall(server, 'GET', '/console/preview/bff/v1/schedule?location_ids=den', { cookie: undefined })).status, 401, 'the preview needs the session');
    // The refused read was audited under the practice whose booking it was.
    const refused = (await server.thread.store.audit.ofPractice('p2', 0)).filter((e) => e.actor_kind === 'console');
    assert.deepEqual(refused.map((e) => e.outcome), ['refused_practice']);
  });

  test('every change needs the CSRF token and the console\'s own Origin', async () => {
    const body = { origin: 'https://csrf.example' };
    const cases = [
      { what: 'no token', csrf: null, origin: server.url },
      { what: 'a wrong token', csrf: 'x'.repeat(43), origin: server.url },
      { what: "another session's token", csrf: (await signIn(server, 'p1')).csrf, origin: server.url },
      { what: 'a foreign Origin', csrf: p1.csrf, origin: 'https://evil.example' },
      { what: 'no Origin', csrf: p1.csrf, origin: null },
    ];
    for (const { what, csrf, origin } of cases) {
      const answer = await consoleCall(server, 'POST', '/console/api/sites', { cookie: p1.cookie, csrf, origin, body });
      assert.equal(answer.status, 403, what);
      const signOut = await consoleCall(server, 'DELETE', '/console/api/session', { cookie: p1.cookie, csrf, origin });
      assert.equal(signOut.status, 403, `sign out with ${what}`);
    }
    assert.equal(await server.thread.store.directory.site('https://csrf.example'), undefined);
    const hold = await consoleCall(server, 'POST', '/console/preview/bff/v1/holds', { cookie: p1.cookie, csrf: null, body: {} });
    assert.equal(hold.status, 403, "the preview's changes too");
    assert.equal((await consoleCall(server, 'GET', '/console/api/me', { cookie: p1.cookie })).status, 200, 'the session survived the refused tries');
  });

  test('the page: a strict CSP, no framing, no-store, and its own script (not the widget)', async () => {
    const page = await fetch(`${server.url}/console`);
    const csp = page.headers.get('content-security-policy')!;
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /style-src 'self'(;|$)/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(page.headers.get('x-frame-options'), 'DENY');
    assert.equal(page.headers.get('cache-control'), 'no-store');
    const html = await page.text();
    assert.match(html, /<script type="module" src="\/console\/console.js"><\/script>/);
    assert.doesNotMatch(html, /<script>|<style|style=/, 'nothing inline');
    const script = await fetch(`${server.url}/console/console.js`);
    assert.equal(script.status, 200);
    assert.match(await script.text(), /thread-console/);
    assert.doesNotMatch(await (await fetch(`${server.url}/widget.js`)).text(), /thread-console|console\/api/, 'the widget carries none of the console');
  });
});

describe('served over https', () => {
  test('the cookie is Secure, and the Origin must be the https one', async () => {
    const https = await startServer({ publicUrl: 'https://console.example' });
    try {
      await addPractice(https, { id: 'p1' }, [{ id: 'den', timezone: 'America/Denver' }]);
      const secret = await consoleLink(https, 'p1');
      const plain = await consoleCall(https, 'POST', '/console/api/session', { body: { secret }, origin: https.url });
      assert.equal(plain.status, 403, 'the http twin is not the console');
      const traded = await consoleCall(https, 'POST', '/console/api/session', { body: { secret }, origin: 'https://console.example' });
      assert.equal(traded.status, 201);
      assert.match(traded.headers.get('set-cookie')!, /^thread_console=[\w-]{43}; Path=\/console; HttpOnly; SameSite=Strict; Secure$/);
    } finally {
      await https.close();
    }
  });
});

describe('two servers sharing the database', () => {
  test('a session made on one works on the other, a link used on one is used for both, and signing out on one ends it on both', async () => {
    const second = await startServer({ databasePath: server.databasePath });
    second.clock.now = server.clock.now; // one time for both (the first one's was moved on by the idle test)
    try {
      const secret = await consoleLink(server, 'p1');
      const traded = await consoleCall(second, 'POST', '/console/api/session', { body: { secret }, origin: second.url });
      assert.equal(traded.status, 201);
      assert.equal((await consoleCall(server, 'POST', '/console/api/session', { body: { secret } })).status, 409, 'used on the other server');
      const cookie = traded.headers.get('set-cookie')!.split(';')[0];
      const me = await consoleCall(server, 'GET', '/console/api/me', { cookie });
      assert.equal(me.status, 200);
      assert.equal((await consoleCall(second, 'DELETE', '/console/api/session', { cookie, csrf: me.body.csrf_token, origin: second.url })).status, 204);
      assert.equal((await consoleCall(server, 'GET', '/console/api/me', { cookie })).status, 401);
    } finally {
      await second.close();
    }
  });
});
