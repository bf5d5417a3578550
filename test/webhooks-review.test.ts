// A security review of webhooks (issue 13), each finding as a test over real HTTP against a real server
// on a real SQLite file, with real receivers on loopback: IPv6 forms that carry or hide a private
// address are refused; a client revoked (or no longer granted a practice) hears nothing more, even of
// events queued before; the README's receiver survives a malformed signature; a disabled endpoint can
// be enabled again, from new events on; deliveries never attempted are pruned like the others.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { NOT_GRANTED } from '../server/db/webhooks.js';
import type { WebhookLookup } from '../server/webhooks/url-check.js';
import { inMinutes, openBooking, practiceServer, type ApiCall } from './bff-helpers.js';
import { databaseEnv } from './helpers/database.js';
import { freePort } from './helpers/process.js';
import { startReceiver } from './helpers/receiver.js';
import { addClient, api, getToken, type TestServer } from './helpers/server.js';

const cli = (databasePath: string, ...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], { env: { ...process.env, ...databaseEnv(databasePath), WEBHOOKS_ALLOW_HTTP: 'loopback' }, encoding: 'utf8' });

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

type Delivery = { attempts: number; next: number | null; last_error: string | null };
const delivery = (server: TestServer, endpointId: string, bookingId: string) =>
  server.thread.store.sql.get<Delivery>(
    `SELECT d.attempts, d.next_attempt_at AS next, d.last_error FROM webhook_deliveries d JOIN webhook_events v ON v.id = d.event_id
     WHERE d.endpoint_id = :endpointId AND v.booking_id = :bookingId AND v.type = 'booking.created'`,
    { endpointId, bookingId },
  );

describe('SSRF: every IPv6 form that hides an IPv4 or a non-public address', () => {
  let server: TestServer;
  let system: ApiCall;
  const fakeDns: WebhookLookup = async (host) => {
    const answers: Record<string, string> = { 'compat.test': '::a00:1', 'teredo.test': '2001:0:4136:e378:8000:63bf:3fff:fdd2', 'v6.test': '2606:4700:4700::1111' };
    if (answers[host]) return [{ address: answers[host], family: 6 }];
    throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  };
  before(async () => {
    ({ server } = await practiceServer({ webhooksAllowLoopback: true, webhookLookup: fakeDns }));
    system = api(server.url, await getToken(server.url, await addClient(server, { id: 'ssrf6', scopes: ['scheduling:write'], practices: ['P1'] })));
  });
  after(() => server.close());

  test('IPv4-compatible, SIIT, Teredo, 6to4, NAT64, documentation and unassigned IPv6 are refused, as literals and as what a name resolves to; so is a host name DNS cannot hold', async () => {
    const refused: Array<[string, RegExp]> = [
      ['https://[::10.0.0.1]/', /::a00:1 is not a global unicast/],
      ['https://[::127.0.0.1]/', /::7f00:1 is not a global unicast/],
      ['https://[::ffff:0:10.0.0.1]/', /not a global unicast/],
      ['https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/', /Teredo/],
      ['https://[2002:a00:1::1]/', /6to4/],
      ['https://[64:ff9b::10.0.0.1]/', /NAT64/],
      ['https://[3fff::1]/', /reserved/],
      ['https://[5f00::1]/', /not a global unicast/],
      ['https://192.88.99.1/', /reserved/],
      ['https://compat.test/', /compat\.test resolves to ::a00:1/],
      ['https://teredo.test/', /teredo\.test resolves to 2001:0:4136/],
      [`https://${'a'.repeat(64)}.example/`, /longer than DNS allows/],
      [`https://${'abcdefghi.'.repeat(26)}example/`, /longer than DNS allows/],
    ];
    for (const [url, why] of refused) {
      const answer = await system('POST', '/scheduling/webhooks', { url });
      assert.equal(answer.status, 400, `${url}: ${JSON.stringify(answer.body)}`);
      assert.match(answer.body.message, why, url);
    }
    assert.equal((await system('POST', '/scheduling/webhooks', { url: 'https://[2606:4700:4700::1111]/' })).status, 201, 'a public IPv6 literal');
    assert.equal((await system('POST', '/scheduling/webhooks', { url: 'https://v6.test/' })).status, 201, 'a name on a public IPv6 address');
  });
});

describe('tenancy at delivery time', () => {
  let server: TestServer;
  let owner: ApiCall;
  before(async () => {
    ({ server, owner } = await practiceServer({ webhooksAllowLoopback: true }));
  });
  after(() => server.close());

  test('a retry queued before its client was revoked, or lost the grant of the practice, is dropped, not sent', async () => {
    const receiver = await startReceiver();
    receiver.answer = 500;
    try {
      const made: Record<string, string> = {};
      for (const id of ['leaving', 'ungranted']) {
        const client = await addClient(server, { id, scopes: ['scheduling:write'], practices: ['P1'] });
        const created = await api(server.url, await getToken(server.url, client))('POST', '/scheduling/webhooks', { url: `${receiver.url}?${id}`, events: ['booking.created'] });
        assert.equal(created.status, 201);
        made[id] = created.body.id;
      }
      const booking = await openBooking(owner, { start: inMinutes(server, 90), doctor_id: 'D-tenancy' });
      await receiver.waitFor((r) => r.length === 2);
      // Each failure recorded (its retry scheduled by the clock as it is) before the clock moves on.
      for (const endpointId of Object.values(made)) {
        await until('the first attempt recorded', async () => ((row) => (row?.attempts === 1 ? row : undefined))(await delivery(server, endpointId, booking.id)));
      }
      // One client revoked by the CLI, the other's grant of P1 taken away.
      const revoked = cli(server.databasePath, 'clients', 'revoke', '--client', 'leaving');
      assert.equal(revoked.status, 0, revoked.stderr);
      await server.thread.store.sql.run("DELETE FROM client_practices WHERE client_id = 'ungranted'");
      // Their retries fall due.
      server.clock.advance(10 * 60_000);
      for (const endpointId of Object.values(made)) {
        const settled = await until('the retry to be sent or dropped', async () => {
          const row = (await delivery(server, endpointId, booking.id))!;
          return row.attempts >= 2 || row.next === null ? row : undefined;
        });
        assert.deepEqual(settled, { attempts: 1, next: null, last_error: NOT_GRANTED });
      }
      assert.equal(receiver.received.length, 2, 'nothing more reached the receiver');
    } finally {
      await receiver.close();
    }
  });
});

describe('a disabled endpoint', () => {
  let server: TestServer;
  let owner: ApiCall;
  before(async () => {
    ({ server, owner } = await practiceServer({ webhooksAllowLoopback: true }));
  });
  after(() => server.close());

  test('is enabled again (API and CLI) from new events on; deliveries given up unsent are pruned after 7 days too', async () => {
    // A receiver failing every attempt; the test decides when the last one is answered.
    let answer = 500;
    let holdNext = false;
    let held: http.ServerResponse | undefined;
    const bookingsSeen: string[] = [];
    const receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        bookingsSeen.push(JSON.parse(body).data.id);
        if (holdNext) held = res;
        else res.writeHead(answer).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
      const client = await addClient(server, { id: 'flaky', scopes: ['scheduling:write'], practices: ['P1'] });
      const booker = await addClient(server, { id: 'flaky-owner', scopes: ['scheduling:write'], practices: ['P1'] });
      // A token each time: the server's clock moves on by days.
      const as = async (who: { id: string; secret: string }) => api(server.url, await getToken(server.url, who));
      const endpoint = (await (await as(client))('POST', '/scheduling/webhooks', { url, events: ['booking.created'] })).body;
      const first = await openBooking(owner, { start: inMinutes(server, 60 * 24 * 7), doctor_id: 'D-flaky' });
      let second: { id: string } | undefined;
      for (let attempt = 1; attempt <= 8; attempt += 1) {
        const row = await until(`attempt ${attempt}`, async () => (attempt === 8 ? (held ? await delivery(server, endpoint.id, first.id) : undefined) : ((r) => (r && r.attempts === attempt ? r : undefined))(await delivery(server, endpoint.id, first.id))));
        // The last attempt is held open by the receiver.
        if (attempt === 7) holdNext = true;
        if (attempt < 8) server.clock.now = row.next!;
      }
      // While the last attempt is on its way, another change is queued behind it: it is never attempted.
      second = await openBooking(await as(booker), { start: inMinutes(server, 60 * 24 * 8), doctor_id: 'D-flaky' });
      held!.writeHead(500).end();
      const system = await as(client);
      const disabled = await until('the endpoint disabled', async () => ((r) => (r.body.disabled_at ? r.body : undefined))(await system('GET', `/scheduling/webhooks/${endpoint.id}`)));
      assert.match(disabled.disabled_reason, /could not be delivered in 8 attempts/);
      assert.deepEqual(await delivery(server, endpoint.id, second.id), { attempts: 0, next: null, last_error: null });

      // Another client cannot enable it; its own client can, and the CLI can.
      const stranger = api(server.url, await getToken(server.url, await addClient(server, { id: 'stranger', scopes: ['scheduling:write'], practices: '*' })));
      assert.equal((await stranger('POST', `/scheduling/webhooks/${endpoint.id}/enable`)).status, 404);
      assert.equal((await stranger('DELETE', `/scheduling/webhooks/${endpoint.id}`)).status, 404);
      assert.equal((await stranger('GET', `/scheduling/webhooks/${endpoint.id}`)).status, 404);
      const enabled = await system('POST', `/scheduling/webhooks/${endpoint.id}/enable`);
      assert.equal(enabled.status, 200, JSON.stringify(enabled.body));
      assert.equal(enabled.body.disabled_at, null);
      assert.equal(enabled.body.disabled_reason, null);
      const byCli = cli(server.databasePath, 'webhooks', 'enable', '--id', endpoint.id);
      assert.equal(byCli.status, 0, byCli.stderr);
      assert.equal(JSON.parse(byCli.stdout).disabled_at, null);
      assert.match(cli(server.databasePath, 'webhooks', 'enable', '--id', 'we_nope').stderr, /^thread: webhook endpoint "we_nope" not found/);

      // From new events on: the next change arrives, the ones given up with the endpoint do not.
      answer = 204;
      holdNext = false;
      const third = await openBooking(await as(booker), { start: inMinutes(server, 60 * 24 * 9), doctor_id: 'D-flaky' });
      await until('the new event', async () => (bookingsSeen.includes(third.id) ? true : undefined));
      assert.deepEqual([...new Set(bookingsSeen)], [first.id, third.id]);

      // A week on, the delivery never attempted is pruned with the rest.
      server.clock.advance(8 * 86_400_000);
      await until('the never-attempted delivery pruned', async () => ((await delivery(server, endpoint.id, second!.id)) ? undefined : true), 5_000);
    } finally {
      held?.destroy();
      receiver.closeAllConnections();
      await new Promise((resolve) => receiver.close(resolve));
    }
  });
});

describe("the README's receiver", () => {
  test('answers 401 to a signature of non-ASCII characters, and keeps running', async () => {
    const readme = fs.readFileSync('README.md', 'utf8');
    const snippet = /<!-- webhook-receiver -->\s*```js\n([\s\S]*?)```/.exec(readme)![1];
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'thread-receiver-')), 'receiver.mjs');
    fs.writeFileSync(file, snippet);
    const port = await freePort();
    const child = spawn(process.execPath, [file], { env: { ...process.env, WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', PORT: String(port) }, stdio: 'ignore' });
    // Over a raw socket: the header's bytes as given (Node's client would send them as UTF-8; its server reads latin1).
    const post = (signature: Buffer) =>
      new Promise<number>((resolve, reject) => {
        const head = `POST / HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\nwebhook-id: msg_1\r\nwebhook-timestamp: ${Math.floor(Date.now() / 1000)}\r\ncontent-length: 2\r\nwebhook-signature: `;
        const socket = net.connect(port, '127.0.0.1', () => socket.end(Buffer.concat([Buffer.from(head), signature, Buffer.from('\r\n\r\n{}')])));
        let answer = '';
        socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
        socket.on('error', reject);
        socket.on('close', () => (answer ? resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(answer)?.[1])) : reject(new Error('no answer: the receiver crashed'))));
      });
    try {
      await until('the receiver to listen', () => post(Buffer.from('v1,x')).then(() => true, () => undefined));
      // As long as a real signature in characters ("v1," and 44 base64), each a byte the receiver reads as "é" (two in UTF-8).
      assert.equal(await post(Buffer.concat([Buffer.from('v1,'), Buffer.alloc(44, 0xe9)])).catch((error: Error) => error.message), 401);
      assert.equal(await post(Buffer.from('v1,AAAA')).catch((error: Error) => error.message), 401, 'still running');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
