// Crash safety: the real server process is killed with SIGKILL under write load, restarted
// on the same database, and every acknowledged booking and hold is there, and no hold is
// left pending past its expiry.
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { after, test } from 'node:test';
import type { Booking } from '../shared/types.js';
import { engine, openTestDatabase } from './helpers/database.js';
import { startServerProcess } from './helpers/process.js';
import { getToken, tempDatabasePath } from './helpers/server.js';

const children: ChildProcess[] = [];
after(() => children.forEach((child) => child.kill('SIGKILL')));

function cli(env: NodeJS.ProcessEnv, ...args: string[]): Record<string, string> {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], { env, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as Record<string, string>;
}

test('SIGKILL under write load loses no acknowledged booking or hold, and leaves no hold stuck', async () => {
  const first = await startServerProcess({ DATABASE_PATH: tempDatabasePath('crash'), HOLD_MINUTES: '10' });
  const { url, env } = first;
  children.push(first.child);

  cli(env, 'practices', 'create', '--id', 'p1', '--name', 'Crash Orthodontics');
  cli(env, 'locations', 'create', '--id', 'loc1', '--practice', 'p1', '--name', 'Main', '--timezone', 'America/Denver');
  const owner = cli(env, 'clients', 'create', '--name', 'pms', '--scopes', 'scheduling:read scheduling:write', '--practices', 'p1');
  const booker = cli(env, 'clients', 'create', '--name', 'booker', '--scopes', 'scheduling:read scheduling:book', '--practices', 'p1');
  const ownerToken = await getToken(url, { id: owner.client_id, secret: owner.client_secret });
  const bookerToken = await getToken(url, { id: booker.client_id, secret: booker.client_secret });
  const request = (token: string, method: string, path: string, body: unknown) =>
    fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  // Open bookings for the holds to take.
  const base = Date.now() + 7 * 86_400_000;
  const holdable: string[] = [];
  for (let i = 0; i < 300; i += 1) {
    const response = await request(ownerToken, 'POST', '/scheduling/bookings', { start: new Date(base + i * 3_600_000).toISOString(), location_id: 'loc1', doctor_id: 'hold-doc', status: 'open' });
    holdable.push(((await response.json()) as Booking).id);
  }

  // Write load: creations and holds from several workers, until the kill.
  const acknowledged = new Map<string, Booking>();
  const held = new Set<string>();
  let killed = false;
  let sequence = 0;
  const worker = async (index: number) => {
    while (!killed) {
      try {
        if (index % 2 === 0) {
          const n = sequence++;
          const body = { start: new Date(base + 400 * 86_400_000 + n * 3_600_000).toISOString(), location_id: 'loc1', doctor_id: `doc-${index}`, length: 30, status: 'open' };
          const response = await request(ownerToken, 'POST', '/scheduling/bookings', body);
          if (response.status === 201) {
            const booking = (await response.json()) as Booking;
            acknowledged.set(booking.id, booking);
          }
        } else {
          const id = holdable.pop();
          if (!id) return;
          const response = await request(bookerToken, 'PUT', `/scheduling/bookings/${id}`, { status: 'pending' });
          if (response.status === 200) held.add(id);
        }
      } catch {
        return; // the server is gone: what was not acknowledged does not count
      }
    }
  };
  const load = Promise.all(Array.from({ length: 8 }, (_, i) => worker(i)));
  while (acknowledged.size < 150 || held.size < 60) await new Promise((r) => setTimeout(r, 20));
  first.child.kill('SIGKILL');
  killed = true;
  await load;
  await first.exited;

  // While it is down, half of the holds run out (as if it stayed down past their expiry).
  const expired = [...held].slice(0, Math.floor(held.size / 2));
  const db = await openTestDatabase(env.DATABASE_PATH!);
  for (const id of expired) await db.run('UPDATE bookings SET hold_expires_at = :at WHERE id = :id', { at: Date.now() - 1000, id });
  await db.close();

  const restarted = await startServerProcess(env);
  children.push(restarted.child);
  const check = await getToken(url, { id: owner.client_id, secret: owner.client_secret });
  const read = async (id: string) => {
    const response = await fetch(`${url}/scheduling/bookings/${id}`, { headers: { authorization: `Bearer ${check}` } });
    assert.equal(response.status, 200, `booking ${id} is there`);
    return (await response.json()) as Booking;
  };
  for (const [id, booking] of acknowledged) assert.deepEqual(await read(id), booking);
  for (const id of held) assert.equal((await read(id)).status, expired.includes(id) ? 'open' : 'pending', `hold on ${id}`);

  const after = await openTestDatabase(env.DATABASE_PATH!);
  if (engine === 'sqlite') assert.equal((await after.get<{ integrity_check: string }>('PRAGMA integrity_check'))!.integrity_check, 'ok');
  const stuck = await after.get<{ n: number | string }>(`SELECT COUNT(*) AS n FROM bookings WHERE status = 'pending' AND hold_expires_at <= :now`, { now: Date.now() });
  assert.equal(Number(stuck!.n), 0, 'no hold is pending past its expiry');
  await after.close();
  restarted.child.kill('SIGTERM');
});
