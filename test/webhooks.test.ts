// Webhooks (issue 13, CONTRACT section 7) against a real server over HTTP on a real SQLite file, with
// real receivers on loopback ports: every event arrives once, signed, in order, with the booking's
// state, whoever made the change (the API, the widget's BFF, the hold expiry); retries keep their
// webhook-id; a receiver down for the whole window ends disabled; SSRF is refused at creation and on
// the address resolved at delivery; another practice's bookings never reach a client not granted it.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { WebhookLookup } from '../server/webhooks/url-check.js';
import { confirm, hold, inMinutes, openBooking, patientAddress, practiceServer, release, schedule, type ApiCall } from './bff-helpers.js';
import { document } from './helpers/openapi.js';
import { databaseEnv, openTestDatabase } from './helpers/database.js';
import { freePort } from './helpers/process.js';
import { signedWith, startReceiver, type Receiver, type Received } from './helpers/receiver.js';
import { addClient, api, getToken, type TestServer } from './helpers/server.js';

const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as typeof addFormatsModule;

/** DNS for names the tests make up; `pinned.test` answers loopback twice, then a private address. */
const dnsCalls: string[] = [];
const fakeDns: WebhookLookup = async (host) => {
  dnsCalls.push(host);
  const answers: Record<string, string[]> = { 'public.test': ['93.184.216.34'], 'intranet.test': ['10.1.2.3'], 'mixed.test': ['93.184.216.34', '192.168.1.1'] };
  if (host === 'rebind.test') return [{ address: dnsCalls.filter((h) => h === host).length === 1 ? '93.184.216.34' : '10.0.0.7', family: 4 }];
  if (host === 'pinned.test') return [{ address: dnsCalls.filter((h) => h === host).length <= 2 ? '127.0.0.1' : '10.0.0.9', family: 4 }];
  if (answers[host]) return answers[host].map((address) => ({ address, family: 4 }));
  throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
};

/** Each event's body as /openapi.json's `webhooks` section describes it. */
const ajv = new Ajv2020({ strict: false });
addFormats(ajv);
ajv.addSchema({ $id: 'https://thread.test/doc.json', components: document.components });
const eventSchema = (type: string) => {
  const schema = JSON.parse(JSON.stringify(document.webhooks[type].post.requestBody.content['application/json'].schema).replaceAll('"#/components', '"https://thread.test/doc.json#/components'));
  return ajv.compile(schema);
};

const ofBooking = (received: Received[], id: string) => received.filter((r) => r.json.data.id === id);
const cli = (databasePath: string, env: Record<string, string>, ...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], { env: { ...process.env, ...databaseEnv(databasePath), ...env }, encoding: 'utf8' });

/** Every delivery settled (delivered or given up): nothing more will be sent. */
async function settled(server: TestServer): Promise<void> {
  for (let i = 0; i < 500; i += 1) {
    const due = await server.thread.store.sql.get<{ n: number }>('SELECT COUNT(*) AS n FROM webhook_deliveries WHERE next_attempt_at IS NOT NULL');
    if (due!.n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('deliveries still due');
}

describe('webhooks of one server', () => {
  let server: TestServer;
  let owner: ApiCall;
  let system: ApiCall;
  let receiver: Receiver;
  let p2Receiver: Receiver;
  let secret: string;
  let p2Secret: string;
  before(async () => {
    ({ server, owner } = await practiceServer({ webhooksAllowLoopback: true, webhookLookup: fakeDns }));
    receiver = await startReceiver();
    p2Receiver = await startReceiver();
    // A practice system granted P1 only, and another granted P2 only, each subscribed to everything.
    system = api(server.url, await getToken(server.url, await addClient(server, { id: 'p1-system', scopes: ['scheduling:read', 'scheduling:write'], practices: ['P1'] })));
    const p2System = api(server.url, await getToken(server.url, await addClient(server, { id: 'p2-system', scopes: ['scheduling:write'], practices: ['P2'] })));
    const created = await system('POST', '/scheduling/webhooks', { url: receiver.url });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    secret = created.body.secret;
    p2Secret = (await p2System('POST', '/scheduling/webhooks', { url: p2Receiver.url })).body.secret;
  });
  after(async () => {
    await server.close();
    await receiver.close();
    await p2Receiver.close();
  });

  test('POST /scheduling/webhooks shows the secret once; GET lists the endpoint without it', async () => {
    assert.match(secret, /^whsec_[A-Za-z0-9+/]{32}$/);
    const listed = await system('GET', '/scheduling/webhooks');
    assert.equal(listed.status, 200);
    assert.equal(listed.body.length, 1);
    assert.deepEqual(listed.body[0].events, ['booking.created', 'booking.updated', 'booking.held', 'booking.released', 'booking.booked', 'booking.closed']);
    assert.equal(listed.body[0].secret, undefined);
    assert.equal(JSON.stringify(listed.body).includes(secret.slice(6)), false);
    const stored = await server.thread.store.sql.get<{ secret_sealed: Buffer }>('SELECT secret_sealed FROM webhook_endpoints WHERE id = :id', { id: listed.body[0].id });
    assert.equal(stored!.secret_sealed.includes(Buffer.from(secret)), false, 'sealed at rest');
    assert.equal((await owner('GET', '/scheduling/webhooks')).body.length, 0, 'each client sees its own');
  });

  test('every event type arrives once, in order, signed, with the booking as the API shows it, whoever made the change', async () => {
    // The practice system's own changes, through the API.
    const booking = await openBooking(owner, { start: inMinutes(server, 120), doctor_id: 'D-hooks' });
    const moved = await owner('PUT', `/scheduling/bookings/${booking.id}`, { start: inMinutes(server, 180) });
    // A patient on the widget (the BFF): hold, let go, hold again, book.
    const first = await hold(server, moved.body, { from: patientAddress(1) });
    assert.equal(first.status, 201, first.text);
    assert.equal((await release(server, first.body.hold_token)).status, 200);
    const second = await hold(server, moved.body, { from: patientAddress(2) });
    assert.equal(second.status, 201, second.text);
    assert.equal((await confirm(server, second.body.hold_token)).status, 200);
    const closed = await owner('DELETE', `/scheduling/bookings/${booking.id}`);
    assert.equal(closed.status, 200);
    // A hold that lapses: released by the server's own expiry.
    const lapsing = await openBooking(owner, { start: inMinutes(server, 240), doctor_id: 'D-lapse' });
    assert.equal((await hold(server, lapsing, { from: patientAddress(3) })).status, 201);
    server.clock.advance(4 * 60_000);
    // Another practice's booking, made by a client granted every practice.
    const elsewhere = await openBooking(owner, { location_id: 'other', start: inMinutes(server, 300), doctor_id: 'D-p2' });

    await receiver.waitFor((got) => ofBooking(got, lapsing.id).some((r) => r.json.type === 'booking.released'));
    await p2Receiver.waitFor((got) => got.length >= 1);
    await settled(server);

    const expected: Array<[string, string, Record<string, unknown>]> = [
      ['booking.created', booking.id, { status: 'open', start_datetime: booking.start_datetime }],
      ['booking.updated', booking.id, { status: 'open', start_datetime: moved.body.start_datetime }],
      ['booking.held', booking.id, { status: 'pending' }],
      ['booking.released', booking.id, { status: 'open' }],
      ['booking.held', booking.id, { status: 'pending' }],
      ['booking.booked', booking.id, { status: 'booked' }],
      ['booking.closed', booking.id, { status: 'closed' }],
      ['booking.created', lapsing.id, { status: 'open' }],
      ['booking.held', lapsing.id, { status: 'pending' }],
      ['booking.released', lapsing.id, { status: 'open' }],
    ];
    const got = receiver.received.filter((r) => r.json.data.id === booking.id || r.json.data.id === lapsing.id);
    assert.deepEqual(got.map((r) => [r.json.type, r.json.data.id]), expected.map(([type, id]) => [type, id]));
    for (const [i, request] of got.entries()) {
      assert.ok(signedWith(secret, request), `${request.json.type} is signed with the endpoint's secret`);
      assert.ok(eventSchema(request.json.type)(request.json), `${request.json.type} matches the document: ${request.body}`);
      for (const [field, value] of Object.entries(expected[i][2])) assert.equal(request.json.data[field], value, `${request.json.type}: ${field}`);
      assert.equal(request.headers['content-type'], 'application/json');
      assert.match(String(request.headers['webhook-timestamp']), /^\d{10}$/);
      assert.ok(!/Zephyrine|Quillfeather|zephyrine/.test(request.body), 'no patient data');
    }
    assert.equal(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size, receiver.received.length, 'each event once');
    assert.deepEqual(got[6].json.data, { ...moved.body, status: 'closed' }, 'the booking as the API shows it');

    // The client granted P2 only heard of the P2 booking only, and the P1 system never of it.
    assert.deepEqual(p2Receiver.received.map((r) => [r.json.type, r.json.data.id]), [['booking.created', elsewhere.id]]);
    assert.ok(signedWith(p2Secret, p2Receiver.received[0]));
    assert.equal(ofBooking(receiver.received, elsewhere.id).length, 0);
  });

  test('a receiver answering 500 then 200 gets the same webhook-id and body again, and the list shows each result', async () => {
    const flaky = await startReceiver();
    try {
      flaky.answer = () => (flaky.received.length === 0 ? 500 : 200);
      const made = await system('POST', '/scheduling/webhooks', { url: flaky.url, events: ['booking.created'] });
      assert.deepEqual(made.body.events, ['booking.created']);
      const booking = await openBooking(owner, { start: inMinutes(server, 400), doctor_id: 'D-flaky' });
      await flaky.waitFor((got) => got.length === 1);
      // The server records an attempt once the receiver's answer is back: a moment after the receiver saw it.
      const recorded = async (statusCode: number) => {
        for (let i = 0; i < 500; i += 1) {
          const shown = await system('GET', `/scheduling/webhooks/${made.body.id}`);
          if (shown.body.last_delivery?.status_code === statusCode) return shown;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        throw new Error(`no attempt answered ${statusCode} was recorded`);
      };
      let shown = await recorded(500);
      assert.equal(shown.body.last_delivery.error, 'answered 500');
      // The next attempt is due 5 s later (±10%).
      server.clock.advance(6_000);
      await flaky.waitFor((got) => got.length === 2);
      const [failed, retried] = flaky.received;
      assert.equal(retried.headers['webhook-id'], failed.headers['webhook-id']);
      assert.equal(retried.body, failed.body);
      assert.equal(retried.json.data.id, booking.id);
      assert.ok(signedWith(made.body.secret, failed) && signedWith(made.body.secret, retried));
      shown = await recorded(200);
      assert.deepEqual({ ...shown.body.last_delivery, at: undefined }, { at: undefined, status_code: 200, error: null });
      assert.equal(shown.body.disabled_at, null);
      // Deleted, it hears no more; another client cannot see or delete it.
      assert.equal((await owner('DELETE', `/scheduling/webhooks/${made.body.id}`)).status, 404);
      assert.deepEqual((await system('DELETE', `/scheduling/webhooks/${made.body.id}`)).body, { id: made.body.id, deleted: true });
      assert.equal((await system('GET', `/scheduling/webhooks/${made.body.id}`)).status, 404);
      await openBooking(owner, { start: inMinutes(server, 460), doctor_id: 'D-flaky' });
      await settled(server);
      assert.equal(flaky.received.length, 2);
    } finally {
      await flaky.close();
    }
  });

  test('a redirect is not followed: the 302 counts as a failed attempt', async () => {
    const target = await startReceiver();
    const redirecting = await startReceiver();
    try {
      redirecting.answer = 302;
      redirecting.redirectTo = target.url;
      const made = await system('POST', '/scheduling/webhooks', { url: redirecting.url, events: ['booking.created'] });
      await openBooking(owner, { start: inMinutes(server, 700), doctor_id: 'D-redirect' });
      await redirecting.waitFor((got) => got.length === 1);
      let shown;
      for (let i = 0; i < 200; i += 1) {
        shown = await system('GET', `/scheduling/webhooks/${made.body.id}`);
        if (shown.body.last_delivery) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.deepEqual({ ...shown!.body.last_delivery, at: undefined }, { at: undefined, status_code: 302, error: 'answered 302: redirects are not followed' });
      assert.equal(target.received.length, 0);
      await system('DELETE', `/scheduling/webhooks/${made.body.id}`);
    } finally {
      await target.close();
      await redirecting.close();
    }
  });

  test('a receiver that never answers is given up after 10 s, and holds up no other endpoint meanwhile', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const hanging = http.createServer(() => {}); // takes the request, never answers
    hanging.on('connection', (socket) => sockets.add(socket));
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const quick = await startReceiver();
    try {
      const slow = await system('POST', '/scheduling/webhooks', { url: `http://127.0.0.1:${(hanging.address() as import('node:net').AddressInfo).port}/`, events: ['booking.created'] });
      await system('POST', '/scheduling/webhooks', { url: quick.url, events: ['booking.created'] });
      const started = Date.now();
      const booking = await openBooking(owner, { start: inMinutes(server, 760), doctor_id: 'D-slow' });
      await quick.waitFor((got) => got.some((r) => r.json.data.id === booking.id));
      assert.ok(Date.now() - started < 5_000, 'the quick receiver heard while the slow one hung');
      let shown;
      for (let i = 0; i < 300; i += 1) {
        shown = await system('GET', `/scheduling/webhooks/${slow.body.id}`);
        if (shown.body.last_delivery) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.deepEqual({ ...shown!.body.last_delivery, at: undefined }, { at: undefined, status_code: null, error: 'no answer within 10 s' });
      assert.ok(Date.now() - started >= 10_000);
      for (const webhook of (await system('GET', '/scheduling/webhooks')).body) {
        if (webhook.events.length === 1) await system('DELETE', `/scheduling/webhooks/${webhook.id}`);
      }
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => hanging.close(resolve));
      await quick.close();
    }
  });

  test('a rolled-back change sends nothing: the outbox is written in the change\'s own transaction', async () => {
    const booking = await openBooking(owner, { start: inMinutes(server, 520), doctor_id: 'D-rollback' });
    await receiver.waitFor((got) => ofBooking(got, booking.id).length === 1);
    // A change another connection makes and rolls back, on either engine.
    const db = await openTestDatabase(server.databasePath);
    try {
      await db.run('BEGIN');
      await db.run("UPDATE bookings SET status = 'closed', updated_at = updated_at + 1 WHERE id = :id", { id: booking.id });
      await db.run('ROLLBACK');
    } finally {
      await db.close();
    }
    const changed = await owner('PUT', `/scheduling/bookings/${booking.id}`, { length: 45 });
    assert.equal(changed.status, 200);
    await receiver.waitFor((got) => ofBooking(got, booking.id).length === 2);
    await settled(server);
    assert.deepEqual(ofBooking(receiver.received, booking.id).map((r) => [r.json.type, r.json.data.status, r.json.data.length]), [
      ['booking.created', 'open', 30],
      ['booking.updated', 'open', 45],
    ]);
  });

  test('a week of a weekly booking held on the widget: its stand-in is booking.created then booking.held; released, booking.closed', async () => {
    const series = await openBooking(owner, { start: inMinutes(server, 60 * 30), doctor_id: 'D-weekly', recurring: true, length: 60 });
    const offered = await schedule(server, 'loc1', 14);
    const week = offered.body.locations[0].slots.find((slot) => slot.booking_id === series.id && slot.start_datetime !== series.start_datetime);
    assert.ok(week, 'a later week of the series is offered');
    const held = await hold(server, week, { from: patientAddress(5) });
    assert.equal(held.status, 201, held.text);
    const standIn = held.body.booking_id;
    assert.notEqual(standIn, series.id);
    assert.equal((await release(server, held.body.hold_token)).status, 200);
    await receiver.waitFor((got) => ofBooking(got, standIn).length === 3);
    await settled(server);
    assert.deepEqual(ofBooking(receiver.received, standIn).map((r) => [r.json.type, r.json.data.status, r.json.data.start_datetime, r.json.data.recurring]), [
      ['booking.created', 'pending', week.start_datetime, false],
      ['booking.held', 'pending', week.start_datetime, false],
      ['booking.closed', 'closed', week.start_datetime, false],
    ]);
    assert.deepEqual(ofBooking(receiver.received, series.id).map((r) => r.json.type), ['booking.created'], 'the series itself stays open');
  });

  test('a delivery connects to the address it checked: a name is resolved once per attempt, not again by the connection', async () => {
    const pinned = await startReceiver();
    try {
      const made = await system('POST', '/scheduling/webhooks', { url: `http://pinned.test:${pinned.port}/hooks`, events: ['booking.created'] });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      const booking = await openBooking(owner, { start: inMinutes(server, 580), doctor_id: 'D-pinned' });
      await pinned.waitFor((got) => got.length === 1);
      assert.equal(pinned.received[0].json.data.id, booking.id);
      assert.equal(pinned.received[0].headers.host, `pinned.test:${pinned.port}`);
      assert.equal(dnsCalls.filter((h) => h === 'pinned.test').length, 2, 'once at creation, once for the delivery');
      await system('DELETE', `/scheduling/webhooks/${made.body.id}`);
    } finally {
      await pinned.close();
    }
  });
});

describe("the README's receiver", () => {
  let server: TestServer;
  let owner: ApiCall;
  let system: ApiCall;
  before(async () => {
    ({ server, owner } = await practiceServer({ webhooksAllowLoopback: true }));
    system = api(server.url, await getToken(server.url, await addClient(server, { id: 'p1-system', scopes: ['scheduling:write'], practices: ['P1'] })));
  });
  after(() => server.close());

  test("the README's receiver verifies a real delivery (and refuses a forged one)", async () => {
    const readme = fs.readFileSync('README.md', 'utf8');
    const snippet = /<!-- webhook-receiver -->\s*```js\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(snippet, 'the README has the receiver');
    assert.ok(snippet.trim().split('\n').length <= 5, 'five lines');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'thread-receiver-')), 'receiver.mjs');
    fs.writeFileSync(file, snippet);
    const port = await freePort();
    const made = await system('POST', '/scheduling/webhooks', { url: `http://127.0.0.1:${port}/`, events: ['booking.held', 'booking.booked'] });
    const child = spawn(process.execPath, [file], { env: { ...process.env, WEBHOOK_SECRET: made.body.secret, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    try {
      for (let i = 0; i < 200 && !(await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: '{}' }).then(() => true, () => false)); i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      const forged = await fetch(`http://127.0.0.1:${port}/`, {
        method: 'POST',
        headers: { 'webhook-id': 'msg_1', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': 'v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' },
        body: '{"type":"booking.booked","timestamp":"2030-01-01T00:00:00.000Z","data":{"id":"forged"}}',
      });
      assert.equal(forged.status, 401);
      // A patient books on the widget: held, then booked, each verified by the snippet.
      const booking = await openBooking(owner, { start: inMinutes(server, 640), doctor_id: 'D-readme' });
      const held = await hold(server, booking, { from: patientAddress(4) });
      assert.equal((await confirm(server, held.body.hold_token)).status, 200);
      for (let i = 0; i < 800 && !out.includes(`booking.booked ${booking.id}`); i += 1) await new Promise((resolve) => setTimeout(resolve, 25));
      assert.deepEqual(out.trim().split('\n'), [`booking.held ${booking.id}`, `booking.booked ${booking.id}`]);
      const shown = await system('GET', `/scheduling/webhooks/${made.body.id}`);
      assert.equal(shown.body.last_delivery.status_code, 204);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('SSRF', () => {
  let server: TestServer;
  let system: ApiCall;
  before(async () => {
    ({ server } = await practiceServer({ webhookLookup: fakeDns }));
    system = api(server.url, await getToken(server.url, await addClient(server, { id: 'ssrf', scopes: ['scheduling:write'], practices: ['P1'] })));
  });
  after(() => server.close());

  test('an endpoint is refused unless https to a public address (checked on the literal and on what a name resolves to)', async () => {
    const refused: Array<[string, RegExp]> = [
      ['http://93.184.216.34/', /https/],
      ['https://127.0.0.1/', /loopback/],
      ['https://[::1]/', /loopback/],
      ['https://10.0.0.1/', /private/],
      ['https://172.16.5.4/', /private/],
      ['https://192.168.0.10/', /private/],
      ['https://[fc00::1]/', /private/],
      ['https://169.254.169.254/latest/meta-data', /link-local/],
      ['https://[fe80::1]/', /link-local/],
      ['https://100.64.0.1/', /CGNAT/],
      ['https://224.0.0.251/', /multicast/],
      ['https://[ff02::1]/', /multicast/],
      ['https://0.0.0.0/', /unspecified/],
      ['https://[::]/', /unspecified/],
      ['https://[::ffff:8.8.8.8]/', /IPv4-mapped/],
      ['https://user:secret@public.test/', /credentials/],
      ['ftp://public.test/', /https/],
      ['https://intranet.test/', /intranet\.test resolves to 10\.1\.2\.3 is a private address/],
      ['https://mixed.test/', /mixed\.test resolves to 192\.168\.1\.1/],
    ];
    for (const [url, why] of refused) {
      const answer = await system('POST', '/scheduling/webhooks', { url });
      assert.equal(answer.status, 400, `${url}: ${JSON.stringify(answer.body)}`);
      assert.match(answer.body.message, why, url);
    }
    assert.equal((await system('POST', '/scheduling/webhooks', { url: 'https://public.test/hooks' })).status, 201);
    assert.equal((await system('POST', '/scheduling/webhooks', { url: 'https://public.test/', events: ['booking.moved'] })).status, 400);
    assert.equal((await system('POST', '/scheduling/webhooks', { url: 'https://public.test/', secret: 'mine' })).status, 400);

    const byCli = cli(server.databasePath, { WEBHOOKS_ALLOW_HTTP: '' }, 'webhooks', 'create', '--client', 'ssrf', '--url', 'http://127.0.0.1:9/');
    assert.equal(byCli.status, 1);
    assert.match(byCli.stderr, /^thread: url must be https/);
  });

  test('at delivery, the name is resolved again and a private answer is refused (DNS rebinding)', async () => {
    const made = await system('POST', '/scheduling/webhooks', { url: 'https://rebind.test/hooks', events: ['booking.created'] });
    assert.equal(made.status, 201, 'public when created');
    const owner = api(server.url, await getToken(server.url, await addClient(server, { id: 'ssrf-owner', scopes: ['scheduling:write'], practices: ['P1'] })));
    await openBooking(owner, { start: inMinutes(server, 120), doctor_id: 'D-rebind' });
    let shown;
    for (let i = 0; i < 400; i += 1) {
      shown = await system('GET', `/scheduling/webhooks/${made.body.id}`);
      if (shown.body.last_delivery) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.deepEqual(shown!.body.last_delivery && { ...shown!.body.last_delivery, at: undefined }, {
      at: undefined,
      status_code: null,
      error: 'refused: rebind.test resolves to 10.0.0.7 is a private address',
    });
  });
});

describe('a receiver down for the whole retry window', () => {
  let server: TestServer;
  before(async () => {
    ({ server } = await practiceServer({ webhooksAllowLoopback: true }));
  });
  after(() => server.close());

  test('gets every retry for over 24 hours (by the server clock), then its endpoint is disabled, and `webhooks list` says why', async () => {
    const down = await startReceiver();
    const url = down.url;
    await down.close();
    const client = await addClient(server, { id: 'down-system', scopes: ['scheduling:write'], practices: ['P1'] });
    const made = cli(server.databasePath, { WEBHOOKS_ALLOW_HTTP: 'loopback' }, 'webhooks', 'create', '--client', client.id, '--url', url, '--events', 'booking.created booking.closed');
    assert.equal(made.status, 0, made.stderr);
    const endpoint = JSON.parse(made.stdout);
    assert.deepEqual(endpoint.events, ['booking.created', 'booking.closed']);
    assert.match(endpoint.secret, /^whsec_/);
    const owner = api(server.url, await getToken(server.url, client));
    const changedAt = server.clock.now;
    await openBooking(owner, { start: inMinutes(server, 60 * 24 * 7), doctor_id: 'D-down' });

    const attempts: number[] = [];
    const shown = () => JSON.parse(cli(server.databasePath, {}, 'webhooks', 'list', '--client', client.id).stdout).webhooks[0];
    const attemptTimes = async () =>
      (await server.thread.store.sql.get<{ attempts: number; at: number | null; next: number | null }>(
        'SELECT attempts, last_attempt_at AS at, next_attempt_at AS next FROM webhook_deliveries WHERE endpoint_id = :id',
        { id: endpoint.id },
      ))!;
    for (let round = 0; round < 20; round += 1) {
      let state = await attemptTimes();
      for (let i = 0; i < 500 && state.attempts === attempts.length; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        state = await attemptTimes();
      }
      assert.equal(state.attempts, attempts.length + 1, 'one more attempt');
      attempts.push(state.at!);
      if (state.next === null) break;
      // Jump the server's clock to the next attempt.
      server.clock.now = state.next;
    }
    assert.equal(attempts.length, 8, 'the first attempt and 7 retries');
    assert.ok(attempts[7] - changedAt >= 24 * 3_600_000, `retried for ${(attempts[7] - changedAt) / 3_600_000} hours`);
    const listed = shown();
    assert.equal(listed.disabled_at, new Date(attempts[7]).toISOString());
    assert.match(listed.disabled_reason, /booking\.created could not be delivered in 8 attempts over 2\d hours; last: could not connect \(ECONNREFUSED\)/);
    assert.match(listed.last_delivery.error, /ECONNREFUSED/);
    // Disabled: later changes are not even queued for it.
    await openBooking(api(server.url, await getToken(server.url, client)), { start: inMinutes(server, 60 * 24 * 8), doctor_id: 'D-down' });
    const queued = await server.thread.store.sql.get<{ n: number }>('SELECT COUNT(*) AS n FROM webhook_deliveries WHERE endpoint_id = :id', { id: endpoint.id });
    assert.equal(queued!.n, 1);
    const deleted = cli(server.databasePath, {}, 'webhooks', 'delete', '--id', endpoint.id);
    assert.deepEqual(JSON.parse(deleted.stdout), { id: endpoint.id, deleted: true });
    assert.deepEqual(JSON.parse(cli(server.databasePath, {}, 'webhooks', 'list', '--client', client.id).stdout), { webhooks: [] });
  });
});
