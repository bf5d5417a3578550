// The BFF as a client of a separate Thread server: token exchange through openid-client,
// one token for many requests, one retry on 401, holds that lapse where the API never
// expires them, failures as 502, and secrets kept out of answers and logs.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { ErrorBody } from '../shared/types.js';
import { createApp } from '../server/app.js';
import { ConfigError, type Config, type UpstreamConfig } from '../server/config.js';
import { PATIENT, SITE, confirm, hold, inMinutes, openBooking, practiceServer, requestsTo, schedule, type ApiCall } from './bff-helpers.js';
import { SCHEDULE_CACHE_MS } from '../server/bff/limits.js';
import { addClient, startServer, tempDatabasePath, type TestServer } from './helpers/server.js';

const MINUTE = 60_000;

/** Server B: the booking API with practice P1 and a client for the BFF (read + book, every practice). */
async function upstreamServer(): Promise<{ b: TestServer; owner: ApiCall; upstream: UpstreamConfig }> {
  const { server: b, owner } = await practiceServer();
  const client = await addClient(b, { id: 'bff-of-a', scopes: ['scheduling:read', 'scheduling:book'], practices: '*' });
  return { b, owner, upstream: { issuer: b.url, apiUrl: b.url, clientId: client.id, clientSecret: client.secret } };
}

/** Server A: the BFF in front of B. Its own database knows only the site (and the practice id it names). */
async function bffServer(upstream: UpstreamConfig, databasePath?: string): Promise<TestServer> {
  // Only when given: startServer spreads its options over its own fresh database path.
  const a = await startServer(databasePath ? { upstream, databasePath } : { upstream });
  if (!databasePath) {
    await a.thread.store.directory.createPractice({ id: 'P1', name: 'P1 at A' }, Date.now());
    await a.thread.store.directory.createSite({ origin: SITE, practice_id: 'P1' }, Date.now());
  }
  return a;
}

const tokenRequests = (server: TestServer) => requestsTo(server, '/oauth2/token', 'POST');

describe('the BFF fronting a separate server', () => {
  let b: TestServer;
  let a: TestServer;
  let owner: ApiCall;
  let upstream: UpstreamConfig;
  before(async () => {
    ({ b, owner, upstream } = await upstreamServer());
    a = await bffServer(upstream);
  });
  after(async () => {
    await a?.close();
    await b?.close();
  });

  test('schedule, hold and confirm happen on B through its API; A has no bookings or locations of its own', async () => {
    const booking = await openBooking(owner, { start: inMinutes(b, 90) });
    const list = await schedule(a);
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(list.body.locations[0].slots.map((s) => s.booking_id), [booking.id]);
    assert.equal(await a.thread.store.directory.location('loc1'), undefined);

    const held = await hold(a, booking);
    assert.equal(held.status, 201, held.text);
    assert.equal((await owner('GET', `/scheduling/bookings/${booking.id}`)).body.status, 'pending');
    const booked = await confirm(a, held.body.hold_token);
    assert.equal(booked.status, 200, booked.text);
    assert.equal((await owner('GET', `/scheduling/bookings/${booking.id}`)).body.status, 'booked');
    assert.deepEqual((await owner('GET', `/scheduling/bookings/${booking.id}/patient`)).body, PATIENT);

    // B saw A's calls, as a client of its booking API.
    assert.ok(requestsTo(b, `/scheduling/bookings/${booking.id}`, 'PUT').length >= 2);
    assert.equal(requestsTo(a, /^\/scheduling\//).length, 0, 'A never served the booking API to itself');
    for (const value of Object.values(PATIENT)) {
      assert.ok(!a.logs.join('\n').includes(value), `A logged ${value}`);
      assert.ok(!b.logs.join('\n').includes(value), `B logged ${value}`);
    }
  });

  test('a location of another practice on B is 403; one B does not know is 404', async () => {
    assert.equal((await schedule(a, 'other')).status, 403);
    assert.equal((await schedule(a, 'nowhere')).status, 404);
  });

  test('a hold lapses on B even though B never expires it: A sweeps it open', async () => {
    const booking = await openBooking(owner, { start: inMinutes(b, 120) });
    const held = await hold(a, booking);
    assert.equal(held.status, 201);
    a.clock.advance(10 * MINUTE + 1000); // only A's clock: B still thinks the hold is young
    assert.equal((await owner('GET', `/scheduling/bookings/${booking.id}`)).body.status, 'pending');
    const list = await schedule(a);
    assert.ok(list.body.locations[0].slots.some((s) => s.booking_id === booking.id), 'back in the schedule');
    assert.equal((await owner('GET', `/scheduling/bookings/${booking.id}`)).body.status, 'open');
    assert.equal((await confirm(a, held.body.hold_token)).status, 410);
  });
});

describe('token exchange', () => {
  test('100 concurrent BFF calls make exactly one token request (and one discovery); the token is renewed a minute before it expires', async () => {
    const { b, owner, upstream } = await upstreamServer();
    const a = await bffServer(upstream);
    try {
      await openBooking(owner, { start: inMinutes(b, 60) });
      const ownersToken = tokenRequests(b).length;
      // Different windows, so the BFF's short reuse of a location's bookings does not merge the calls.
      const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => schedule(a, 'loc1', 1 + (i % 50))));
      assert.deepEqual(new Set(answers.map((r) => r.status)), new Set([200]));
      assert.equal(tokenRequests(b).length - ownersToken, 1);
      assert.equal(requestsTo(b, '/.well-known/openid-configuration').length, 1);
      assert.equal(requestsTo(b, '/scheduling/practices').length, 1, 'the directory is read once too');
      assert.equal(requestsTo(b, '/scheduling/locations/loc1/bookings').length, 50, 'one read per window, shared by the calls that asked for it');

      a.clock.advance(58 * MINUTE);
      await schedule(a);
      assert.equal(tokenRequests(b).length - ownersToken, 1, 'still fresh');
      a.clock.advance(1 * MINUTE + 1000);
      await Promise.all(Array.from({ length: 10 }, () => schedule(a)));
      assert.equal(tokenRequests(b).length - ownersToken, 2, 'renewed once, 60 s before expiry');
      assert.ok(tokenRequests(b).every((r) => r.status === 200));
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('a 401 from the API is retried exactly once with a fresh token', async () => {
    const { b, owner, upstream } = await upstreamServer();
    const a = await bffServer(upstream);
    try {
      await openBooking(owner, { start: inMinutes(b, 3 * 60) });
      const ownersToken = tokenRequests(b).length;
      assert.equal((await schedule(a)).status, 200);
      // B's clock runs ahead of A's: B finds A's cached token expired while A thinks it fresh.
      b.clock.advance(2 * 60 * MINUTE);
      a.clock.advance(SCHEDULE_CACHE_MS); // past the BFF's reuse of the first read
      const answer = await schedule(a);
      assert.equal(answer.status, 200, answer.text);
      assert.equal(tokenRequests(b).length - ownersToken, 2);
      const refused = requestsTo(b, /^\/scheduling\//).filter((r) => r.status === 401);
      assert.equal(refused.length, 1, 'one refused call, then the retry went through');
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('a 401 that a fresh token does not cure (client revoked) is 502 upstream_unavailable, after one retry', async () => {
    const { b, upstream } = await upstreamServer();
    const a = await bffServer(upstream);
    try {
      const ownersToken = tokenRequests(b).length;
      assert.equal((await schedule(a)).status, 200);
      await b.thread.store.clients.revoke(upstream.clientId, Date.now());
      const apiCallsBefore = requestsTo(b, /^\/scheduling\//).length;
      a.clock.advance(SCHEDULE_CACHE_MS); // past the BFF's reuse of the first read
      const answer = await schedule(a);
      assert.equal(answer.status, 502);
      assert.deepEqual(answer.body, {
        status: 'bad_gateway',
        reason: 'upstream_unavailable',
        message: 'internal error', // a 5xx never shows its message; the reason tells the widget what to say
      });
      assert.equal(answer.headers['access-control-allow-origin'], SITE);
      assert.equal(requestsTo(b, /^\/scheduling\//).length - apiCallsBefore, 1, 'no second API call without a token');
      assert.deepEqual(tokenRequests(b).slice(ownersToken).map((r) => r.status), [200, 401]);
      const aLogs = a.logs.join('\n');
      assert.ok(!aLogs.includes(upstream.clientSecret), 'the secret is not logged');
      assert.ok(!answer.text.includes(upstream.clientSecret));
      assert.match(aLogs, /"msg":"bff: no access token from the upstream issuer".*"upstream_status":401/);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('no token or secret in A\'s logs or answers', async () => {
    const { b, owner, upstream } = await upstreamServer();
    const a = await bffServer(upstream);
    try {
      const booking = await openBooking(owner, { start: inMinutes(b, 60) });
      const answers = [await schedule(a), await hold(a, booking), await schedule(a, 'nowhere')];
      const everything = [...a.logs, ...answers.map((r) => r.text + JSON.stringify(r.headers))].join('\n');
      assert.ok(!everything.includes(upstream.clientSecret));
      assert.ok(!/eyJ[A-Za-z0-9_-]{10,}\./.test(everything), 'no JWT');
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('upstream failures', () => {
  test('an unreachable API is 502 upstream_unavailable with a generic message', async () => {
    const { b, upstream } = await upstreamServer();
    await b.close();
    const a = await bffServer(upstream);
    try {
      const answer = await schedule(a);
      assert.equal(answer.status, 502);
      const body = answer.body as unknown as ErrorBody;
      assert.equal(body.reason, 'upstream_unavailable');
      assert.ok(!answer.text.includes(new URL(upstream.apiUrl).port), 'no upstream address in the message');
      assert.equal(answer.headers['access-control-allow-origin'], SITE);
    } finally {
      await a.close();
    }
  });

  test('a hold made before A restarts lapses after it, on an API that does not expire holds', async () => {
    const { b, owner, upstream } = await upstreamServer();
    const a = await bffServer(upstream);
    const booking = await openBooking(owner, { start: inMinutes(b, 120) });
    assert.equal((await hold(a, booking)).status, 201);
    await a.close();
    const restarted = await bffServer(upstream, a.databasePath);
    try {
      restarted.clock.now = a.clock.now + 10 * MINUTE + 1000;
      const list = await schedule(restarted);
      assert.equal(list.status, 200);
      assert.ok(list.body.locations[0].slots.some((s) => s.booking_id === booking.id));
      assert.equal((await owner('GET', `/scheduling/bookings/${booking.id}`)).body.status, 'open');
    } finally {
      await restarted.close();
      await b.close();
    }
  });
});

describe('an API that keeps to the contract alone', () => {
  test('one that refuses doctor_id (400): the schedule reads every pending and booked booking instead, and a week taken by one is still not offered', async () => {
    const { b, owner, upstream } = await upstreamServer();
    // In front of B: the contract's API, without the doctor_id filter the BFF asks B for first.
    const refused: string[] = [];
    const contractOnly = http.createServer(async (req, res) => {
      if (new URL(req.url ?? '/', 'http://api.invalid').searchParams.has('doctor_id')) {
        refused.push(req.url ?? '');
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'bad_request', message: 'unknown query parameter "doctor_id"' }));
        return;
      }
      const answer = await fetch(`${b.url}${req.url}`, { method: req.method, headers: { authorization: req.headers.authorization ?? '', accept: 'application/json' } });
      const link = answer.headers.get('link');
      res.writeHead(answer.status, { 'content-type': 'application/json', ...(link ? { link: link.replaceAll(b.url, `http://127.0.0.1:${port}`) } : {}) });
      res.end(await answer.text());
    });
    contractOnly.listen(0, '127.0.0.1');
    await once(contractOnly, 'listening');
    const port = (contractOnly.address() as AddressInfo).port;
    const a = await bffServer({ ...upstream, apiUrl: `http://127.0.0.1:${port}` });
    try {
      const start = Date.parse(inMinutes(b, 24 * 60));
      const at = (week: number) => new Date(start + week * 7 * 24 * 60 * MINUTE).toISOString();
      const series = await openBooking(owner, { start: at(0), recurring: true });
      // Its second week held through the series (the API's way of taking one week): a pending stand-in.
      const taken = await owner('PUT', `/scheduling/bookings/${series.id}`, { status: 'pending', start: at(1) });
      assert.equal(taken.status, 201, JSON.stringify(taken.body));
      const answer = await schedule(a, 'loc1', 21);
      assert.equal(answer.status, 200, answer.text);
      assert.deepEqual(
        answer.body.locations[0].slots.map((slot) => [slot.booking_id, Date.parse(slot.start_datetime)]),
        [[series.id, Date.parse(at(0))], [series.id, Date.parse(at(2))]],
      );
      assert.ok(refused.length > 0, 'the BFF asked with doctor_id first');
    } finally {
      await a.close();
      contractOnly.close();
      await b.close();
    }
  });
});

describe('https to the upstream', () => {
  const config = (upstream: UpstreamConfig): Config => ({
    port: 0,
    host: '127.0.0.1',
    databasePath: tempDatabasePath(),
    publicUrl: 'http://127.0.0.1:9',
    holdMinutes: 10,
    trustProxy: 0,
    demo: true,
    // CACHE=off npm test runs every server uncached.
    cache: process.env.CACHE !== 'off',
    patientRetentionDays: 365,
    upstream,
    now: Date.now,
    log: () => undefined,
  });
  const upstream = { issuer: 'https://auth.example', apiUrl: 'https://api.example', clientId: 'id', clientSecret: 'not-logged-secret' };

  test('plain http is refused at start-up for anything but a loopback host, naming the variable', async () => {
    await assert.rejects(createApp(config({ ...upstream, issuer: 'http://auth.example' })), (error: Error) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /^THREAD_ISSUER must be an https URL \(plain http only for localhost, 127\.0\.0\.1 or \[::1\]\); got http:\/\/auth\.example$/);
      return true;
    });
    await assert.rejects(createApp(config({ ...upstream, apiUrl: 'http://10.0.0.7:3000' })), /THREAD_API_URL must be an https URL/);
    // Fronting itself, the BFF's issuer is the server's own public URL.
    await assert.rejects(createApp({ ...config(upstream), upstream: undefined, publicUrl: 'http://thread.example' }), (error: Error) => error instanceof ConfigError && /^PUBLIC_URL must be an https URL/.test(error.message));
  });

  test('https anywhere, and plain http on localhost, 127.0.0.1 and [::1], are accepted', async () => {
    for (const issuer of ['https://auth.example', 'http://localhost:3000', 'http://127.0.0.1:3000', 'http://[::1]:3000']) {
      const app = await createApp(config({ ...upstream, issuer, apiUrl: issuer }));
      app.close();
    }
  });
});
