// Several server processes on one database file behave as one server (CONTRACT section 6): starting
// together, starting later or stopping, none breaks another, the widget's BFF included.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
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

test('two processes starting at once on a new database, then a third: each serves the same first screen, and none breaks the others', async () => {
  const databasePath = tempDatabasePath('shared');
  const [a, b] = await Promise.all([start({ DATABASE_PATH: databasePath }), start({ DATABASE_PATH: databasePath })]);
  const cli = spawnSync(process.execPath, ['--import', 'tsx', 'server/cli.ts', 'sites', 'create', '--origin', SITE, '--practice', '3rt42'], {
    env: { ...process.env, DATABASE_PATH: databasePath },
    encoding: 'utf8',
  });
  assert.equal(cli.status, 0, cli.stderr);
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
