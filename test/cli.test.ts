// The admin CLI (CONTRACT section 2), run as a child process the way a person runs it, against the database
// of a server that is running meanwhile (its SQLite file, or its PostgreSQL database): one JSON object on stdout and exit 0, or one line on stderr
// and exit 1; what it creates is what the running server then serves.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { databaseEnv, engine, openTestDatabase } from './helpers/database.js';
import { api, basic, getToken, request, startServer, type TestServer } from './helpers/server.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let server: TestServer;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `npm run -s thread -- <args>`, or (faster, the same program) `node --import tsx server/cli.ts <args>`. */
function thread(args: string[], options: { npm?: boolean } = {}): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...databaseEnv(server.databasePath), PUBLIC_URL: server.url };
  for (const name of ['PORT', 'HOST', 'HOLD_MINUTES', 'THREAD_ISSUER', 'THREAD_API_URL', 'THREAD_CLIENT_ID', 'THREAD_CLIENT_SECRET']) delete env[name];
  const [file, argv] = options.npm
    ? ['npm', ['run', '-s', 'thread', '--', ...args]]
    : [process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args]];
  return new Promise((resolve) => {
    execFile(file, argv, { cwd: root, env, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

/** Runs the tasks, `width` at a time (a CLI run is a whole Node process; the machine may have two cores). */
async function inTurns<T>(tasks: Array<() => Promise<T>>, width: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]();
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return results;
}

/** Exit 0, nothing on stderr, and exactly one JSON object (one line) on stdout. */
function succeeded(run: Run): Record<string, any> {
  assert.equal(run.code, 0, `exit ${run.code}: ${run.stderr}`);
  assert.equal(run.stderr, '');
  assert.ok(run.stdout.endsWith('\n'), 'stdout ends its line');
  assert.equal(run.stdout.trim().split('\n').length, 1, `one line on stdout: ${run.stdout}`);
  const value = JSON.parse(run.stdout);
  assert.ok(value && typeof value === 'object' && !Array.isArray(value), 'a JSON object');
  return value;
}

/** Exit 1, nothing on stdout, and exactly one line on stderr. */
function failed(run: Run, mentions?: RegExp): string {
  assert.equal(run.code, 1, `exit ${run.code}; stdout ${run.stdout}`);
  assert.equal(run.stdout, '');
  assert.ok(run.stderr.endsWith('\n'), `stderr ends its line: ${JSON.stringify(run.stderr)}`);
  assert.equal(run.stderr.trimEnd().split('\n').length, 1, `one line on stderr: ${run.stderr}`);
  if (mentions) assert.match(run.stderr, mentions);
  return run.stderr;
}

let admin: ReturnType<typeof api>;

before(async () => {
  server = await startServer({ realClock: true });
});
after(() => server.close());

describe('admin CLI against a running server\'s database', () => {
  let practiceId: string;

  test('practices create (through npm run -s thread --) prints the practice; the server serves it at once', async () => {
    const practice = succeeded(await thread(['practices', 'create', '--name', 'Cli Orthodontics', '--id', 'cli-p1'], { npm: true }));
    assert.deepEqual(practice, { id: 'cli-p1', name: 'Cli Orthodontics' });
    const generated = succeeded(await thread(['practices', 'create', '--name', 'Second Practice']));
    assert.equal(generated.name, 'Second Practice');
    assert.match(generated.id, /^[A-Za-z0-9_.:-]{1,64}$/);
    assert.notEqual(generated.id, 'cli-p1');
    practiceId = practice.id;

    const client = succeeded(
      await thread(['clients', 'create', '--name', 'Admin reader', '--scopes', 'scheduling:read', '--practices', '*', '--id', 'cli-admin']),
    );
    admin = api(server.url, await getToken(server.url, { id: client.client_id, secret: client.client_secret }));
    const practices = (await admin('GET', '/scheduling/practices')).body;
    assert.deepEqual(practices.find((p: { id: string }) => p.id === 'cli-p1'), { id: 'cli-p1', name: 'Cli Orthodontics', location_ids: [] });
    assert.ok(practices.some((p: { id: string }) => p.id === generated.id));
  });

  test('locations create prints the location with every option; the API shows the same fields', async () => {
    const location = succeeded(
      await thread([
        'locations', 'create', '--practice', practiceId, '--name', 'Springfield', '--timezone', 'America/Denver', '--id', 'cli-l1',
        '--website', 'https://www.abc123ortho.com/', '--street-address', '1234 Main Street', '--secondary-address', 'Suite 2',
        '--city', 'New York', '--state', 'New York', '--zip', '12345',
      ]),
    );
    assert.equal(location.id, 'cli-l1');
    const shown = (await admin('GET', '/scheduling/locations')).body.find((l: { id: string }) => l.id === 'cli-l1');
    assert.deepEqual(shown, {
      id: 'cli-l1',
      name: 'Springfield',
      website: 'https://www.abc123ortho.com/',
      street_address: '1234 Main Street',
      secondary_address: 'Suite 2',
      city: 'New York',
      state: 'New York',
      zip: '12345',
      timezone: 'America/Denver',
    });
    for (const key of Object.keys(shown)) assert.equal(location[key], shown[key as keyof typeof shown], key);
    const minimal = succeeded(await thread(['locations', 'create', '--practice', practiceId, '--name', 'Madrid', '--timezone', 'Europe/Madrid']));
    assert.equal(minimal.timezone, 'Europe/Madrid');
    const practice = (await admin('GET', '/scheduling/practices')).body.find((p: { id: string }) => p.id === practiceId);
    assert.deepEqual(practice.location_ids.map((l: { id: string }) => l.id).sort(), ['cli-l1', minimal.id].sort());
  });

  test('clients create shows the secret once; it works at the token endpoint with the scopes and practices given; only a hash is stored', async () => {
    const client = succeeded(
      await thread(['clients', 'create', '--name', 'Partner', '--scopes', 'scheduling:read scheduling:write', '--practices', practiceId]),
    );
    assert.equal(typeof client.client_id, 'string');
    assert.equal(typeof client.client_secret, 'string');
    assert.ok(client.client_secret.length >= 32, 'a long random secret');
    const response = await request(server.url, {
      method: 'POST',
      path: '/oauth2/token',
      headers: { authorization: basic({ id: client.client_id, secret: client.client_secret }), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(response.json().scope.split(' ').sort(), ['scheduling:read', 'scheduling:write']);
    const partner = api(server.url, response.json().access_token);
    assert.deepEqual((await partner('GET', '/scheduling/practices')).body.map((p: { id: string }) => p.id), [practiceId]);
    const made = await partner('POST', '/scheduling/bookings', { start: `${new Date().getUTCFullYear() + 1}-01-06T10:00:00.000-07:00`, location_id: 'cli-l1', doctor_id: 'd1', status: 'open' });
    assert.equal(made.status, 201);

    const db = await openTestDatabase(server.databasePath);
    try {
      const row = (await db.get<{ secret_hash: string }>('SELECT secret_hash FROM clients WHERE id = :id', { id: client.client_id }))!;
      assert.match(row.secret_hash, /^scrypt\$/);
      assert.ok(!row.secret_hash.includes(client.client_secret));
      // Nowhere else either: on PostgreSQL no text column of any table holds it.
      if (engine === 'postgres') {
        const columns = await db.all<{ t: string; c: string }>(
          "SELECT table_name AS t, column_name AS c FROM information_schema.columns WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying')",
        );
        for (const { t, c } of columns) {
          const found = await db.get(`SELECT 1 AS found FROM "${t}" WHERE position(:secret in "${c}") > 0`, { secret: client.client_secret });
          assert.equal(found, undefined, `${t}.${c} holds the secret`);
        }
      }
    } finally {
      await db.close();
    }
    for (const suffix of ['', '-wal']) {
      const file = server.databasePath + suffix;
      if (fs.existsSync(file)) assert.equal(fs.readFileSync(file).indexOf(client.client_secret), -1, `${file} holds the secret`);
    }
  });

  test('clients revoke: the client gets no new token and its old token stops working', async () => {
    const client = succeeded(await thread(['clients', 'create', '--name', 'Leaving', '--scopes', 'scheduling:read', '--practices', '*']));
    const credentials = { id: client.client_id, secret: client.client_secret };
    const old = api(server.url, await getToken(server.url, credentials));
    assert.equal((await old('GET', '/scheduling/practices')).status, 200);
    const revoked = succeeded(await thread(['clients', 'revoke', '--client', client.client_id]));
    assert.equal(revoked.client_id, client.client_id);
    const response = await request(server.url, {
      method: 'POST',
      path: '/oauth2/token',
      headers: { authorization: basic(credentials), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    assert.equal(response.status, 401);
    assert.equal(response.json().error, 'invalid_client');
    assert.equal((await old('GET', '/scheduling/practices')).status, 401);
  });

  test('sites create registers an origin for a practice', async () => {
    const site = succeeded(await thread(['sites', 'create', '--origin', 'https://www.abc123ortho.com', '--practice', practiceId]));
    assert.deepEqual(site, { origin: 'https://www.abc123ortho.com', practice_id: practiceId });
    const withPort = succeeded(await thread(['sites', 'create', '--origin', 'https://ortho.example:8443', '--practice', practiceId]));
    assert.equal(withPort.origin, 'https://ortho.example:8443');
    const local = succeeded(await thread(['sites', 'create', '--origin', 'http://localhost:5173', '--practice', practiceId]));
    assert.equal(local.origin, 'http://localhost:5173');
  });

  test('failures print one line on stderr, nothing on stdout, exit 1, and change nothing', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['locations', 'create', '--practice', 'no-such-practice', '--name', 'X', '--timezone', 'America/Denver'], /no-such-practice/],
      [['sites', 'create', '--origin', 'https://new.example', '--practice', 'no-such-practice'], /no-such-practice/],
      [['clients', 'create', '--name', 'X', '--scopes', 'scheduling:read', '--practices', `${practiceId},no-such-practice`], /no-such-practice/],
      [['locations', 'create', '--practice', practiceId, '--name', 'X', '--timezone', 'America/Nowhere', '--id', 'never-1'], /timezone|time zone/i],
      [['locations', 'create', '--practice', practiceId, '--name', 'X', '--timezone', '-07:00', '--id', 'never-2'], /timezone|time zone/i],
      [['sites', 'create', '--origin', 'https://www.abc123ortho.com', '--practice', practiceId], /already|registered|exists/i],
      [['sites', 'create', '--origin', 'https://WWW.abc123ortho.com:443', '--practice', practiceId], /already|registered|exists/i],
      [['practices', 'create', '--name', 'Again', '--id', 'cli-p1'], /cli-p1/],
      [['locations', 'create', '--practice', practiceId, '--name', 'X', '--timezone', 'America/Denver', '--id', 'cli-l1'], /cli-l1/],
      [['clients', 'create', '--name', 'X', '--scopes', 'scheduling:read', '--practices', '*', '--id', 'cli-admin'], /cli-admin/],
      [['clients', 'create', '--name', 'X', '--scopes', 'scheduling:read scheduling:admin', '--practices', '*', '--id', 'never-4'], /scheduling:admin/],
      [['sites', 'create', '--origin', 'http://www.example.com', '--practice', practiceId], /https/],
      [['sites', 'create', '--origin', 'https://www.example.com/booking', '--practice', practiceId], /path/],
      [['sites', 'create', '--origin', 'https://www.example.com/', '--practice', practiceId], /.+/],
      [['sites', 'create', '--origin', 'https://www.example.com?x=1', '--practice', practiceId], /.+/],
      [['sites', 'create', '--origin', 'www.example.com', '--practice', practiceId], /origin/],
      [['clients', 'revoke', '--client', 'no-such-client'], /no-such-client/],
      [['practices', 'create'], /--name/],
      [['practices', 'create', '--name', 'X', '--bogus', 'y'], /bogus/],
      [['practices', 'create', '--name', 'X', '--id', 'has space'], /--id/],
      [['practices', 'delete', '--id', 'cli-p1'], /unknown command|command/],
      [[], /command/],
    ];
    const runs = await inTurns(cases.map(([args]) => () => thread(args)), 3);
    for (const [i, run] of runs.entries()) failed(run, cases[i][1]);

    const locations = (await admin('GET', '/scheduling/locations')).body.map((l: { id: string }) => l.id);
    for (const id of ['never-1', 'never-2']) assert.ok(!locations.includes(id));
    const db = await openTestDatabase(server.databasePath);
    try {
      const sites = await db.all<{ origin: string }>('SELECT origin FROM sites ORDER BY origin');
      assert.ok(!sites.some((s) => s.origin.includes('www.example.com') || s.origin.includes('new.example')));
      const clients = await db.all("SELECT id FROM clients WHERE id LIKE 'never-%'");
      assert.deepEqual(clients, []);
      assert.equal((await db.get<{ name: string }>("SELECT name FROM practices WHERE id = 'cli-p1'"))!.name, 'Cli Orthodontics');
    } finally {
      await db.close();
    }
  });

  test('sites create accepts only a real origin: https (http for this machine), a host name or IP, an optional port', async () => {
    const refused: Array<[string, RegExp]> = [
      ['https://*.example', /host name/],
      ['https://*', /host name/],
      ['https://site.example.', /host name/],
      ['https://-site.example', /host name/],
      ['https://site_1.example', /host name/],
      ['https://bücher.example', /host name/],
      ['https://0x7f000001', /host name/],
      ['https://user:pw@site.example', /user name|password/],
      ['https://@site.example', /user name|password/],
      ['https://site.example:99999', /port/],
      ['https://site.example:', /host\[:port\]/],
      ['https://site.example/', /path/],
      ['https://site.example#x', /fragment/],
      ['https://site.example\\x', /host name/],
      ['ftp://site.example', /https/],
      ['http://10.0.0.1', /https/],
      ['https://', /host name/],
    ];
    const runs = await inTurns(refused.map(([origin]) => () => thread(['sites', 'create', '--origin', origin, '--practice', practiceId])), 3);
    for (const [i, run] of runs.entries()) failed(run, new RegExp(`--origin: .*${refused[i][1].source}`));

    const accepted: Array<[string, string]> = [
      ['https://xn--bcher-kva.example', 'https://xn--bcher-kva.example'],
      ['https://203.0.113.7:8443', 'https://203.0.113.7:8443'],
      ['https://[2001:db8::7]', 'https://[2001:db8::7]'],
      ['http://[::1]:5173', 'http://[::1]:5173'],
      ['HTTPS://Shop.Example:443', 'https://shop.example'],
    ];
    for (const [origin, stored] of accepted) {
      assert.equal(succeeded(await thread(['sites', 'create', '--origin', origin, '--practice', practiceId])).origin, stored);
    }
    const db = await openTestDatabase(server.databasePath);
    try {
      const origins = (await db.all<{ origin: string }>('SELECT origin FROM sites')).map((s) => s.origin);
      assert.ok(!origins.some((o) => /\*|site/.test(o)), origins.join(' '));
    } finally {
      await db.close();
    }
  });

  test('a failure through npm is one line on stderr and exit 1 as well', async () => {
    failed(await thread(['locations', 'create', '--practice', 'nope', '--name', 'X', '--timezone', 'America/Denver'], { npm: true }), /nope/);
  });
});

describe('thread demo', () => {
  test('seeds a practice with two locations in different real zones, three weeks of open bookings (some weekly) and a site; twice is once', async () => {
    const first = succeeded(await thread(['demo']));
    const second = succeeded(await thread(['demo']));
    assert.equal(second.bookings_created, 0, 'the second run creates no bookings');
    assert.deepEqual({ ...second, bookings_created: undefined }, { ...first, bookings_created: undefined });

    const practiceId = first.practice_id;
    const practices = (await admin('GET', '/scheduling/practices')).body.filter((p: { id: string }) => p.id === practiceId);
    assert.equal(practices.length, 1, 'one demo practice');
    assert.equal(practices[0].location_ids.length, 2);
    const locations = (await admin('GET', '/scheduling/locations')).body.filter((l: { id: string }) =>
      practices[0].location_ids.some((x: { id: string }) => x.id === l.id),
    );
    const zones = locations.map((l: { timezone: string }) => l.timezone);
    assert.equal(new Set(zones).size, 2, `two different zones: ${zones}`);
    for (const zone of zones) {
      assert.match(zone, /^[A-Z][A-Za-z_]+\/[A-Za-z_]+/, 'a real IANA zone, not an offset or UTC');
      assert.doesNotThrow(() => new Intl.DateTimeFormat('en-US', { timeZone: zone }));
    }
    const offsets = zones.map((zone: string) => new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' }).format(new Date()));
    assert.notEqual(offsets[0].split(' ').pop(), offsets[1].split(' ').pop(), 'zones at different offsets');

    const list = async () => {
      const response = await admin('GET', `/scheduling/practices/${practiceId}/bookings?status=open&status=pending&status=booked&status=closed`);
      assert.equal(response.status, 200);
      return response.body as Array<{ id: string; start_datetime: string; recurring: boolean; status: string; location_id: string }>;
    };
    const bookings = await list();
    assert.ok(first.bookings_created > 0);
    assert.equal(bookings.length, first.bookings_created, 'every booking the first run created, and no more');
    const third = succeeded(await thread(['demo']));
    assert.equal(third.bookings_created, 0);
    assert.deepEqual((await list()).map((b) => b.id).sort(), bookings.map((b) => b.id).sort(), 'no second set of bookings');

    const now = Date.now();
    const open = bookings.filter((b) => b.status === 'open');
    assert.ok(open.every((b) => Date.parse(b.start_datetime) > now - 60_000), 'all in the future');
    const oneOffs = open.filter((b) => !b.recurring);
    const days = new Set(oneOffs.map((b) => b.start_datetime.slice(0, 10)));
    assert.ok(days.size >= 10, `open bookings on many days: ${days.size}`);
    const latest = Math.max(...oneOffs.map((b) => Date.parse(b.start_datetime)));
    assert.ok(latest - now > 14 * 86_400_000, 'they reach into the third week');
    assert.ok(latest - now <= 22 * 86_400_000, 'and not much past three weeks');
    assert.ok(open.some((b) => b.recurring), 'some are weekly');
    for (const location of locations) assert.ok(open.some((b) => b.location_id === location.id), `open bookings at ${location.id}`);

    assert.ok(Array.isArray(first.sites) && first.sites.length > 0);
    const db = await openTestDatabase(server.databasePath);
    try {
      const sites = await db.all<{ origin: string }>('SELECT origin, practice_id FROM sites WHERE practice_id = :practiceId', { practiceId });
      assert.ok(sites.some((s) => s.origin === new URL(server.url).origin), 'the demo page\'s own origin is a registered site');
    } finally {
      await db.close();
    }
  });
});
