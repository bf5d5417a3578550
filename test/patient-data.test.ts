// Patients' sign-ups after booking (CONTRACT section 11): every read of one, and every refused attempt, is
// recorded and shown by `thread audit`; a sign-up is deleted when its booking is closed or reopened, and
// PATIENT_RETENTION_DAYS after the appointment. What is deleted is checked in the SQLite file itself.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { databaseEnv, openTestDatabase } from './helpers/database.js';
import { addClients, addPractice, api, getToken, request, startServer, type TestServer } from './helpers/server.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DAY = 86_400_000;
const PATIENT = { first_name: 'Ana', last_name: 'García', email: 'ana@example.com', phone: '+1 303 555 0100', date_of_birth: '1990-04-01' };
type Call = ReturnType<typeof api>;

let server: TestServer;
const as: Record<string, Call> = {};
const tokens: Record<string, string> = {};
let doctorSeq = 0;
let daySeq = 0;

/** `thread <args>` as a person runs it, against the test server's database. */
function thread(target: TestServer, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...databaseEnv(target.databasePath), PUBLIC_URL: target.url };
  for (const name of ['PORT', 'HOST', 'HOLD_MINUTES', 'PATIENT_RETENTION_DAYS', 'THREAD_ISSUER', 'THREAD_API_URL', 'THREAD_CLIENT_ID', 'THREAD_CLIENT_SECRET']) delete env[name];
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], { cwd: root, env, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

async function audit(args: string[]): Promise<{ practice_id: string; since: string | null; events: Array<Record<string, any>> }> {
  const run = await thread(server, ['audit', ...args]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stderr, '');
  assert.equal(run.stdout.trim().split('\n').length, 1, 'one JSON object on one line');
  return JSON.parse(run.stdout);
}

/** Sign-up rows of a booking, read from the database by a connection of its own. */
async function signUpRows(target: TestServer, bookingId: string): Promise<number> {
  const db = await openTestDatabase(target.databasePath);
  try {
    return Number((await db.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM sign_ups WHERE booking_id = :bookingId', { bookingId }))!.n);
  } finally {
    await db.close();
  }
}

/** A booking of the owner's, held and booked with a sign-up by the booker; its sign-up row is in the file. */
async function bookedWithSignUp(fields: Record<string, unknown> = {}): Promise<string> {
  const start = new Date(Date.UTC(2032, 0, 1) + ++daySeq * DAY).toISOString();
  const created = await as.owner('POST', '/scheduling/bookings', { start, location_id: 'l1', doctor_id: `doc-${++doctorSeq}`, status: 'open', ...fields });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal((await as.booker('PUT', `/scheduling/bookings/${created.body.id}`, { status: 'pending' })).status, 200);
  assert.equal((await as.booker('PUT', `/scheduling/bookings/${created.body.id}`, { status: 'booked', patient: PATIENT })).status, 200);
  assert.equal(await signUpRows(server, created.body.id), 1);
  return created.body.id;
}

/** GET the patient of a booking from a local address of our choosing (any 127.x.y.z reaches the server). */
const readPatient = (client: string, bookingId: string, localAddress = '127.0.0.1') =>
  request(server.url, { path: `/scheduling/bookings/${bookingId}/patient`, headers: { authorization: `Bearer ${tokens[client]}` }, localAddress });

before(async () => {
  server = await startServer();
  server.clock.now = Date.parse('2030-12-01T00:00:00.000Z'); // the bookings below, in 2032, lie within the API's 730 days
  await addPractice(server, { id: 'p1' }, [{ id: 'l1', timezone: 'America/Denver' }]);
  await addPractice(server, { id: 'p2' }, [{ id: 'l2', timezone: 'Europe/Madrid' }]);
  const created = await addClients(server, [
    { id: 'owner', scopes: ['scheduling:read', 'scheduling:write', 'scheduling:patients'], practices: ['p1'] },
    { id: 'booker', scopes: ['scheduling:read', 'scheduling:book'], practices: ['p1'] },
    { id: 'outsider', scopes: ['scheduling:read', 'scheduling:patients'], practices: ['p2'] },
  ]);
  for (const client of created) {
    tokens[client.id] = await getToken(server.url, client);
    as[client.id] = api(server.url, tokens[client.id]);
  }
});
after(() => server.close());

describe('thread audit: every read of a sign-up is recorded', () => {
  test('two identical reads are two events naming who, when, which booking and from which address', async () => {
    const bookingId = await bookedWithSignUp();
    for (let i = 0; i < 2; i += 1) {
      const read = await readPatient('owner', bookingId, '127.0.0.2');
      assert.equal(read.status, 200, read.text);
      assert.deepEqual(read.json(), PATIENT);
    }
    const report = await audit(['--practice', 'p1']);
    assert.equal(report.practice_id, 'p1');
    assert.equal(report.since, null);
    const mine = report.events.filter((e) => e.booking_id === bookingId);
    const event = {
      at: new Date(server.clock.now).toISOString(),
      actor: { kind: 'api_client', id: 'owner' },
      booking_id: bookingId,
      address: '127.0.0.2',
      action: 'sign_up.read',
      outcome: 'read',
    };
    // Neither read was answered from the kept answers to repeated GETs: each one ran, and was recorded.
    assert.deepEqual(mine, [event, event]);
    assert.ok(!JSON.stringify(report).includes(PATIENT.email), 'no patient data in the trail');
    const db = await openTestDatabase(server.databasePath);
    try {
      await assert.rejects(db.run('DELETE FROM audit_events'), /append-only/);
      await assert.rejects(db.run(`UPDATE audit_events SET actor_id = 'someone-else'`), /append-only/);
    } finally {
      await db.close();
    }
  });

  test('refused attempts are recorded; another practice\'s audit lists none of it; --since keeps later events', async () => {
    const bookingId = await bookedWithSignUp();
    assert.equal((await readPatient('booker', bookingId, '127.0.0.3')).status, 403, 'no scheduling:patients scope');
    assert.equal((await readPatient('booker', 'no-such-booking')).status, 403, 'the same answer whether the booking exists or not');
    assert.equal((await readPatient('outsider', bookingId, '127.0.0.4')).status, 404, 'not granted practice p1');
    const earlier = server.clock.now;
    server.clock.advance(60_000);
    assert.equal((await readPatient('owner', bookingId)).status, 200);

    const events = (await audit(['--practice', 'p1'])).events.filter((e) => e.booking_id === bookingId);
    assert.deepEqual(
      events.map((e) => [e.actor.id, e.address, e.outcome]),
      [
        ['booker', '127.0.0.3', 'refused_scope'],
        ['outsider', '127.0.0.4', 'refused_practice'],
        ['owner', '127.0.0.1', 'read'],
      ],
    );
    assert.ok(events.every((e, i) => i === 0 || e.at >= events[i - 1].at), 'ordered by time');
    const other = await audit(['--practice', 'p2']);
    assert.deepEqual(other.events.filter((e) => e.booking_id === bookingId), []);

    const later = await audit(['--practice', 'p1', '--since', new Date(earlier + 1).toISOString()]);
    assert.equal(later.since, new Date(earlier + 1).toISOString());
    assert.deepEqual(later.events.map((e) => [e.booking_id, e.actor.id]), [[bookingId, 'owner']]);
  });

  test('an unknown practice or a bad --since is one line on stderr and exit 1', async () => {
    for (const args of [['--practice', 'no-such-practice'], ['--practice', 'p1', '--since', 'yesterday'], []]) {
      const run = await thread(server, ['audit', ...args]);
      assert.equal(run.code, 1, `${args.join(' ')}: ${run.stdout}`);
      assert.equal(run.stdout, '');
      assert.equal(run.stderr.trimEnd().split('\n').length, 1, run.stderr);
    }
    assert.match((await thread(server, ['audit', '--practice', 'no-such-practice'])).stderr, /^thread: no practice "no-such-practice"\n$/);
    assert.match((await thread(server, ['audit', '--practice', 'p1', '--since', 'yesterday'])).stderr, /^thread: --since "yesterday" is not an ISO 8601 date-time/);
  });
});

describe('a sign-up is deleted when its booking is closed or reopened', () => {
  test('DELETE of a booked booking deletes its sign-up row; the patient endpoint answers 404', async () => {
    const bookingId = await bookedWithSignUp();
    assert.equal((await as.owner('DELETE', `/scheduling/bookings/${bookingId}`)).status, 200);
    assert.equal(await signUpRows(server, bookingId), 0);
    assert.equal((await readPatient('owner', bookingId)).status, 404);
  });

  test('reopening a booked booking, or a booked week of a weekly booking, deletes its sign-up row', async () => {
    const bookingId = await bookedWithSignUp();
    assert.equal((await as.owner('PUT', `/scheduling/bookings/${bookingId}`, { status: 'open' })).status, 200);
    assert.equal(await signUpRows(server, bookingId), 0);

    const series = await as.owner('POST', '/scheduling/bookings', {
      start: '2032-06-07T09:00:00.000-06:00', location_id: 'l1', doctor_id: `doc-${++doctorSeq}`, status: 'open', recurring: true,
    });
    const held = await as.booker('PUT', `/scheduling/bookings/${series.body.id}`, { status: 'pending', start: '2032-06-14T09:00:00.000-06:00' });
    assert.equal(held.status, 201, JSON.stringify(held.body));
    assert.equal((await as.booker('PUT', `/scheduling/bookings/${held.body.id}`, { status: 'booked', patient: PATIENT })).status, 200);
    assert.equal(await signUpRows(server, held.body.id), 1);
    assert.equal((await as.owner('PUT', `/scheduling/bookings/${held.body.id}`, { status: 'open' })).status, 200);
    assert.equal(await signUpRows(server, held.body.id), 0);
  });
});

describe('PATIENT_RETENTION_DAYS', () => {
  test('the sweep deletes a sign-up that many days after the appointment\'s start, and not before', async () => {
    const local = await startServer({ patientRetentionDays: 2 });
    try {
      await addPractice(local, { id: 'p1' }, [{ id: 'l1', timezone: 'America/Denver' }]);
      const [client] = await addClients(local, [{ id: 'owner', scopes: ['scheduling:read', 'scheduling:write', 'scheduling:book'], practices: ['p1'] }]);
      const call = api(local.url, await getToken(local.url, client));
      const book = async (startsIn: number) => {
        const start = new Date(local.clock.now + startsIn).toISOString();
        const created = await call('POST', '/scheduling/bookings', { start, location_id: 'l1', doctor_id: `doc-${++doctorSeq}`, status: 'pending' });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        assert.equal((await call('PUT', `/scheduling/bookings/${created.body.id}`, { status: 'booked', patient: PATIENT })).status, 200);
        return created.body.id as string;
      };
      const soon = await book(DAY);
      const later = await book(2 * DAY);
      // The soon one's start was 2 days ago plus an hour, the later one's 1 day ago plus an hour.
      local.clock.advance(3 * DAY + 3_600_000);
      // The sweeper ticks every second, and sweeps for retention once its clock says a sweep is due.
      for (let i = 0; i < 100 && await signUpRows(local, soon) > 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(await signUpRows(local, soon), 0, 'deleted by the sweep');
      assert.equal(await signUpRows(local, later), 1, 'kept until its own time');
    } finally {
      await local.close();
    }
  });

  test('start-up sweeps too: a server started over a database with an old sign-up deletes it at once', async () => {
    const first = await startServer({ patientRetentionDays: 1 });
    let bookingId: string;
    try {
      await addPractice(first, { id: 'p1' }, [{ id: 'l1', timezone: 'America/Denver' }]);
      const [client] = await addClients(first, [{ id: 'owner', scopes: ['scheduling:read', 'scheduling:write', 'scheduling:book'], practices: ['p1'] }]);
      const call = api(first.url, await getToken(first.url, client));
      const start = new Date(first.clock.now - 2 * DAY).toISOString();
      const created = await call('POST', '/scheduling/bookings', { start, location_id: 'l1', doctor_id: 'doc-old', status: 'pending' });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      bookingId = created.body.id;
      assert.equal((await call('PUT', `/scheduling/bookings/${bookingId}`, { status: 'booked', patient: PATIENT })).status, 200);
      assert.equal(await signUpRows(first, bookingId), 1, 'saved: the last sweep ran before it');
    } finally {
      await first.close();
    }
    const restarted = await startServer({ databasePath: first.databasePath, patientRetentionDays: 1 });
    try {
      assert.equal(await signUpRows(restarted, bookingId), 0);
    } finally {
      await restarted.close();
    }
  });
});

describe('errors', () => {
  test('no request of this file ended in a 500', () => {
    for (const line of server.logs) assert.ok(!line.includes('"level":"error"'), line);
  });
});
