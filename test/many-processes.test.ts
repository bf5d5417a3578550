// Several server processes on one database (one SQLite file, or in npm test's PostgreSQL pass one PostgreSQL
// database) behave as one server (CONTRACT section 6): starting together, starting later or stopping, none
// breaks another, the widget's BFF included; of many patients holding one time at once over the processes, one
// wins; what one process answers, the next request to any other shows. (Holds and overlapping bookings through
// the API over several processes: api-race.test.ts; limits and throttles: limits-across-processes.test.ts.)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { before, describe, test } from 'node:test';
import type { HoldResponse } from '../shared/types.js';
import { bff, hold, patientAddress, proof, release } from './bff-helpers.js';
import { databaseEnv } from './helpers/database.js';
import { serverProcesses, type ServerProcess } from './helpers/process.js';
import { tempDatabasePath } from './helpers/server.js';

const start = serverProcesses();

type Schedule = { locations: Array<{ id: string; slots: Array<{ booking_id: string; start_datetime: string }> }> };
async function firstScreen(server: ServerProcess): Promise<{ status: number; body: Schedule }> {
  const response = await fetch(`${server.url}/bff/v1/schedule?location_ids=dr556,b2rGH&days=21`, { headers: { origin: SITE } });
  return { status: response.status, body: (await response.json()) as Schedule };
}
/** The practice's web site, registered with the CLI once the processes run. */
const SITE = 'https://www.abc123ortho.example';
const slotsOf = (schedule: Schedule) => schedule.locations.flatMap((l) => l.slots.map((s) => `${s.booking_id} ${s.start_datetime}`));

/** `thread sites create` for the demo practice, with the CLI on the processes' database. */
function registerSite(databasePath: string): void {
  const cli = spawnSync(process.execPath, ['--import', 'tsx', 'server/cli.ts', 'sites', 'create', '--origin', SITE, '--practice', '3rt42'], {
    env: { ...process.env, ...databaseEnv(databasePath) },
    encoding: 'utf8',
  });
  assert.equal(cli.status, 0, cli.stderr);
}

test('two processes starting at once on a new database, then a third: each serves the same first screen, and none breaks the others', async () => {
  const databasePath = tempDatabasePath('shared');
  const [a, b] = await Promise.all([start({ DATABASE_PATH: databasePath }), start({ DATABASE_PATH: databasePath })]);
  registerSite(databasePath);
  const fromA = await firstScreen(a);
  assert.equal(fromA.status, 200, JSON.stringify(fromA.body));
  const slots = slotsOf(fromA.body);
  assert.ok(slots.length > 10, 'the demo was seeded');
  assert.equal(new Set(slots).size, slots.length, 'seeded once: no time offered twice');
  const fromB = await firstScreen(b);
  assert.equal(fromB.status, 200);
  assert.deepEqual(slotsOf(fromB.body), slots);

  // A third process starts: the first two's widgets keep working (their BFF credentials are the same).
  const c = await start({ DATABASE_PATH: databasePath });
  for (const server of [a, b, c]) {
    const screen = await firstScreen(server);
    assert.equal(screen.status, 200, `${server.url}: ${JSON.stringify(screen.body)}`);
  }

  // B stops; A and C go on.
  b.child.kill('SIGTERM');
  assert.equal(await b.exited, 0);
  for (const server of [a, c]) assert.equal((await firstScreen(server)).status, 200);
});

describe('three processes on one database, the widget on each', () => {
  const LOCATION = 'dr556';
  let servers: ServerProcess[];
  /** Open times of the demo location, each used by one test. */
  let times: Array<{ booking_id: string; start_datetime: string }>;

  before(async () => {
    const databasePath = tempDatabasePath('three');
    servers = await Promise.all([1, 2, 3].map(() => start({ DATABASE_PATH: databasePath })));
    registerSite(databasePath);
    const screen = await bff<Schedule>(servers[0], `/schedule?location_ids=${LOCATION}&days=21`, { origin: SITE });
    assert.equal(screen.status, 200, screen.text);
    times = screen.body.locations[0].slots;
    assert.ok(times.length >= 2, 'the demo offers times');
  });

  const offered = async (server: ServerProcess, time: { booking_id: string; start_datetime: string }) => {
    const screen = await bff<Schedule>(server, `/schedule?location_ids=${LOCATION}&days=21`, { origin: SITE });
    assert.equal(screen.status, 200, screen.text);
    return slotsOf(screen.body).includes(`${time.booking_id} ${time.start_datetime}`);
  };

  test('12 patients hold one time at the same moment, spread over the three: one 201, 11 x 409 slot_taken', async () => {
    const time = times[0];
    const patients = Array.from({ length: 12 }, (_, i) => ({ server: servers[i % 3], from: patientAddress(100 + i) }));
    // Each solves a challenge given by another process first (they share its secret), so the holds go out together.
    const proofs = await Promise.all(patients.map((p, i) => proof(servers[(i + 1) % 3], LOCATION, { origin: SITE, from: p.from })));
    const answers = await Promise.all(patients.map((p, i) => hold(p.server, time, { origin: SITE, location_id: LOCATION, from: p.from, proof: proofs[i] })));
    const statuses = answers.map((a) => a.status);
    assert.equal(statuses.filter((s) => s === 201).length, 1, `statuses: ${statuses.join(' ')}`);
    for (const answer of answers.filter((a) => a.status !== 201)) {
      assert.equal(answer.status, 409, answer.text);
      assert.equal((answer.body as { reason?: string }).reason, 'slot_taken', answer.text);
    }
    for (const server of servers) assert.equal(await offered(server, time), false, `${server.url} no longer offers the held time`);
  });

  test('a hold answered by one process is gone from the next schedule of each other; its release is back on each', async () => {
    const time = times[1];
    // Every process has read (and may keep) the schedule with the time open.
    for (const server of servers) assert.equal(await offered(server, time), true);
    const from = patientAddress(200);
    const held = await hold(servers[0], time, { origin: SITE, location_id: LOCATION, from });
    assert.equal(held.status, 201, held.text);
    for (const server of servers.slice(1)) assert.equal(await offered(server, time), false, `${server.url} still offers a time held on ${servers[0].url}`);
    const released = await release(servers[2], (held.body as HoldResponse).hold_token, { origin: SITE, from });
    assert.equal(released.status, 200, released.text);
    for (const server of servers.slice(0, 2)) assert.equal(await offered(server, time), true, `${server.url} does not offer a time released on ${servers[2].url}`);
  });
});

test('a client revoked with the CLI is refused at once by every process, though each had just served it', async () => {
  const databasePath = tempDatabasePath('revoke');
  const a = await start({ DATABASE_PATH: databasePath });
  // Behind one reverse proxy: one PUBLIC_URL, so each process takes the other's tokens.
  const b = await start({ DATABASE_PATH: databasePath, PUBLIC_URL: a.url });
  const cli = (...args: string[]) => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], { env: { ...process.env, ...databaseEnv(databasePath) }, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    return JSON.parse(run.stdout) as { client_id: string; client_secret: string };
  };
  const client = cli('clients', 'create', '--name', 'soon revoked', '--scopes', 'scheduling:read', '--practices', '*');
  const basic = `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`;
  const token = (server: ServerProcess) =>
    fetch(`${server.url}/oauth2/token`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
  const accessToken = ((await (await token(a)).json()) as { access_token: string }).access_token;
  const practices = (server: ServerProcess) => fetch(`${server.url}/scheduling/practices`, { headers: { authorization: `Bearer ${accessToken}` } });
  // Each process reads the client (and may keep the read) twice, so a kept read would be what answers next.
  for (const server of [a, b, a, b]) assert.equal((await practices(server)).status, 200);
  assert.equal((await token(b)).status, 200);

  cli('clients', 'revoke', '--client', client.client_id);
  for (const server of [a, b]) {
    assert.equal((await practices(server)).status, 401, `${server.url}: the token of a revoked client`);
    assert.equal((await token(server)).status, 401, `${server.url}: a token for a revoked client`);
  }
});
