// What an operator relies on: graceful shutdown, health and readiness, structured logs that
// carry a request id and nothing secret or personal, security headers, widget.js caching.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { test } from 'node:test';
import type { HoldChallenge, HoldResponse, Slot } from '../shared/types.js';
import { solveChallenge } from './bff-helpers.js';
import { engine, openTestDatabase } from './helpers/database.js';
import { startServerProcess } from './helpers/process.js';
import { addClient, addPractice, api, getToken, startServer, tempDatabasePath } from './helpers/server.js';

test('SIGTERM: stops accepting, finishes the request in flight, closes the database, exits 0', async () => {
  const databasePath = tempDatabasePath('shutdown');
  const server = await startServerProcess({ DATABASE_PATH: databasePath });
  const { url, child, exited } = server;
  const health = await fetch(`${url}/healthz`);
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { status: 'ok' });

  // A token request whose body is still arriving when SIGTERM comes.
  const body = 'grant_type=client_credentials';
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request(`${url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': body.length, authorization: 'Basic bm9ib2R5Om5vdGhpbmc=' },
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body: text }));
    });
    req.on('error', reject);
    req.write(body.slice(0, 10));
    setTimeout(() => {
      child.kill('SIGTERM');
      setTimeout(async () => {
        const refused = await fetch(`${url}/healthz`).then(() => false, () => true);
        assert.ok(refused, 'no new connections once stopping');
        req.end(body.slice(10));
      }, 300);
    }, 100);
  });
  const finished = await answer;
  assert.equal(finished.status, 401, 'the request in flight got its answer');
  assert.equal(JSON.parse(finished.body).error, 'invalid_client');
  assert.equal(await exited, 0);
  assert.match(server.stdout(), /SIGTERM/);
  if (engine === 'sqlite') {
    assert.ok(!fs.existsSync(`${databasePath}-wal`) || fs.statSync(`${databasePath}-wal`).size === 0, 'the database was closed (WAL checkpointed)');
  }
  const db = await openTestDatabase(databasePath);
  try {
    if (engine === 'sqlite') {
      assert.equal((await db.get<{ integrity_check: string }>('PRAGMA integrity_check'))!.integrity_check, 'ok');
    } else {
      // A backend ends a moment after its client has gone (PostgreSQL's own teardown): looked at again until then.
      const left = () => db.get<{ n: number | string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
      let others = Number((await left())!.n);
      for (const deadline = Date.now() + 5_000; others > 0 && Date.now() < deadline; others = Number((await left())!.n)) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.equal(others, 0, 'the database was closed (no connection of the server left)');
    }
  } finally {
    await db.close();
  }
});

test('logs: one JSON line per request with its request id; no token, secret or patient data', async () => {
  const server = await startServer();
  try {
    await addPractice(server, { id: 'p1' }, [{ id: 'loc1', timezone: 'America/Denver' }]);
    await server.thread.store.directory.createSite({ origin: 'https://ortho.example', practice_id: 'p1' }, Date.now());
    const client = await addClient(server, { id: 'c1', scopes: ['scheduling:read', 'scheduling:write'], practices: ['p1'] });
    const token = await getToken(server.url, client);
    const created = await api(server.url, token)('POST', '/scheduling/bookings', {
      start: new Date(Date.now() + 86_400_000).toISOString(),
      location_id: 'loc1',
      doctor_id: 'd1',
      status: 'open',
    });
    assert.equal(created.status, 201);
    const requestId = created.headers.get('x-request-id');
    assert.ok(requestId);

    const bff = (path: string, body?: unknown) =>
      fetch(`${server.url}/bff/v1${path}`, {
        method: body ? 'POST' : 'GET',
        headers: { origin: 'https://ortho.example', ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
    const schedule = (await (await bff('/schedule?location_ids=loc1&days=3')).json()) as { locations: Array<{ slots: Slot[] }> };
    const slot = schedule.locations[0].slots[0];
    const { challenge, bits } = (await (await bff('/holds/challenge?location_id=loc1')).json()) as HoldChallenge;
    const proof = { challenge, nonce: solveChallenge(challenge, bits) };
    const hold = (await (await bff('/holds', { location_id: 'loc1', booking_id: slot.booking_id, start_datetime: slot.start_datetime, ...proof, website: '' })).json()) as HoldResponse;
    const patient = { first_name: 'Grace', last_name: 'Hopper', email: 'grace.hopper@example.com', phone: '+1 212 555 0199', date_of_birth: '1986-12-09' };
    const confirmed = await bff('/holds/confirm', { hold_token: hold.hold_token, patient, website: '' });
    assert.equal(confirmed.status, 200);
    await bff('/holds/confirm', { hold_token: hold.hold_token, patient: { ...patient, email: 'not-an-email' }, website: '' });

    const lines = server.logs.map((line) => JSON.parse(line) as Record<string, unknown>);
    const mine = lines.find((line) => line.req_id === requestId);
    assert.ok(mine, 'the request id answered is in the log');
    assert.equal(mine.method, 'POST');
    assert.equal(mine.path, '/scheduling/bookings');
    assert.equal(mine.status, 201);
    const all = server.logs.join('\n');
    for (const secret of [token, client.secret, hold.hold_token, ...Object.values(patient), 'not-an-email']) {
      assert.ok(!all.includes(secret), `the log does not contain ${secret.slice(0, 12)}...`);
    }
  } finally {
    await server.close();
  }
});

test('security headers, a strict CSP on the demo page, and widget.js served to any origin with caching', async () => {
  const server = await startServer();
  try {
    const page = await fetch(`${server.url}/`);
    assert.equal(page.status, 200);
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
    assert.match(await page.text(), /<thread-scheduling location-ids="dr556,b2rGH">/);

    const widget = await fetch(`${server.url}/widget.js`, { headers: { origin: 'https://anywhere.example' } });
    assert.equal(widget.status, 200);
    assert.equal(widget.headers.get('access-control-allow-origin'), '*');
    assert.match(widget.headers.get('content-type') ?? '', /javascript/);
    assert.match(widget.headers.get('cache-control') ?? '', /public, max-age=\d+/);
    const etag = widget.headers.get('etag');
    assert.ok(etag);
    assert.ok((await widget.text()).includes('thread-scheduling'));
    const again = await fetch(`${server.url}/widget.js`, { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
  } finally {
    await server.close();
  }
});

test('the chunk widget.js imports is served like it, to any origin, and cached for good; other names are 404', async () => {
  const server = await startServer();
  try {
    const widget = await (await fetch(`${server.url}/widget.js`)).text();
    const [name] = widget.match(/widget-after-pick-[\w-]+\.js/) ?? [];
    assert.ok(name, 'dist/widget.js imports its after-pick chunk (run npm run build first)');
    assert.ok(fs.existsSync(`dist/${name}`));
    const chunk = await fetch(`${server.url}/${name}`, { headers: { origin: 'https://anywhere.example', 'accept-encoding': 'gzip' } });
    assert.equal(chunk.status, 200);
    assert.equal(chunk.headers.get('access-control-allow-origin'), '*');
    assert.equal(chunk.headers.get('cross-origin-resource-policy'), 'cross-origin');
    assert.match(chunk.headers.get('content-type') ?? '', /javascript/);
    assert.equal(chunk.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(chunk.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(await chunk.text(), fs.readFileSync(`dist/${name}`, 'utf8'));
    const etag = chunk.headers.get('etag');
    assert.ok(etag);
    assert.equal((await fetch(`${server.url}/${name}`, { headers: { 'if-none-match': etag } })).status, 304);

    for (const other of ['/widget-nope-123.js', '/package.json', '/widget-after-pick.ts']) {
      const missing = await fetch(`${server.url}${other}`);
      assert.equal(missing.status, 404, other);
      assert.equal(((await missing.json()) as { status: string }).status, 'not_found');
    }
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  } finally {
    await server.close();
  }
});

test('a bad setting stops start-up with one line naming the variable', async () => {
  for (const [name, value] of [['PORT', 'abc'], ['HOLD_MINUTES', '0'], ['PUBLIC_URL', 'not a url']]) {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      env: { ...process.env, PORT: '0', DATABASE_PATH: tempDatabasePath('bad-env'), [name]: value },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 1);
    const lines = stderr.trim().split('\n');
    assert.equal(lines.length, 1, stderr);
    assert.match(lines[0], new RegExp(name));
  }
});

test('readiness: /readyz is 200 while serving and 503 once draining; /healthz stays 200', async () => {
  const server = await startServer();
  try {
    const ready = await fetch(`${server.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ready' });
    server.thread.drain();
    const draining = await fetch(`${server.url}/readyz`);
    assert.equal(draining.status, 503);
    assert.deepEqual(await draining.json(), { status: 'stopping' });
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  } finally {
    await server.close();
  }
});
