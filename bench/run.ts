// npm run bench: the real server on a fresh database with realistic data, against a bare
// node:http server answering the same bytes (and Koa alone answering them, the framework's own ceiling), interleaved.
// BENCH_SECONDS (default 3) per run, BENCH_ROUNDS (default 5) rounds, BENCH_CONNECTIONS (default 10),
// BENCH_WARMUP (default 2) seconds of unmeasured load on each server before a scenario's first round;
// BENCH_ONLY (a regular expression) runs the scenarios whose names match it; BENCH_PROFILE=dir writes the server's CPU profile there.
// BENCH_ENGINE=postgres runs the server on a private PostgreSQL (scripts/pg-cluster.mjs, or PG_TEST_URL) instead of
// SQLite; BENCH_PROCESSES=2 runs two server processes on the one database, the load spread over both.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon, { type Request } from 'autocannon';
import pg from 'pg';
import { startPgCluster } from '../scripts/pg-cluster.mjs';
import { freePort } from '../test/helpers/process.js';
import { waitUntilReady } from './ready.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const ENGINE = process.env.BENCH_ENGINE || 'sqlite';
const PROCESSES = Number(process.env.BENCH_PROCESSES || 1);
if (ENGINE !== 'sqlite' && ENGINE !== 'postgres') throw new Error(`BENCH_ENGINE must be sqlite or postgres, got "${ENGINE}"`);
if (!Number.isInteger(PROCESSES) || PROCESSES < 1 || PROCESSES > 8) throw new Error(`BENCH_PROCESSES must be 1 to 8, got "${process.env.BENCH_PROCESSES}"`);
const root = path.resolve(import.meta.dirname, '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'thread-bench-'));

function cli(env: NodeJS.ProcessEnv, ...args: string[]): Record<string, unknown> {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], { cwd: root, env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`thread ${args.join(' ')}: ${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

/** On PostgreSQL, a fresh database in a private cluster (or in PG_TEST_URL's server, dropped at the end). */
async function benchDatabase(): Promise<{ url: string; bookings(): Promise<number>; drop(): Promise<void> } | undefined> {
  if (ENGINE !== 'postgres') return undefined;
  const cluster = await startPgCluster();
  const name = `bench_${process.pid}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: cluster.adminUrl });
    await client.connect();
    await client.query(sql).finally(() => client.end());
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(cluster.adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    // What the server wrote is in this database: the figures are PostgreSQL's, not a SQLite file's beside it.
    bookings: async () => {
      const client = new pg.Client({ connectionString: url.href });
      await client.connect();
      return Number((await client.query('SELECT count(*) AS n FROM bookings').finally(() => client.end())).rows[0].n);
    },
    drop: async () => (cluster.external ? admin(`DROP DATABASE ${name} WITH (FORCE)`) : cluster.stop()),
  };
}
const database = await benchDatabase();

const ports = await Promise.all(Array.from({ length: PROCESSES }, () => freePort()));
// Every process has the first one's public URL, as behind one reverse proxy: each takes the others' tokens.
const url = `http://localhost:${ports[0]}`;
const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(ports[0]), DATABASE_PATH: path.join(work, 'bench.sqlite'), PUBLIC_URL: url };
delete env.THREAD_ISSUER;
delete env.DATABASE_URL;
if (database) env.DATABASE_URL = database.url;
const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_PROFILE)}`] : [];
const children: ChildProcess[] = [];
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));
const servers: Array<{ child: ChildProcess; url: string }> = [];
for (const port of ports) {
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', 'server/main.ts'], { cwd: root, env: { ...env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  servers.push({ child, url: `http://127.0.0.1:${port}` });
  await waitUntilReady(`http://localhost:${port}`);
}
const engineName = `${ENGINE === 'sqlite' ? 'SQLite' : 'PostgreSQL'}, ${PROCESSES === 1 ? 'one server process' : `${PROCESSES} server processes on one database, the load spread over them`}`;
process.stderr.write(`${engineName}: ready at ${servers.map((s) => s.url).join(', ')}; seeding\n`);

// Realistic data: the demo practice, plus a busy location with a year of open times.
cli(env, 'practices', 'create', '--id', 'bench', '--name', 'Bench Orthodontics');
cli(env, 'locations', 'create', '--id', 'busy', '--practice', 'bench', '--name', 'Busy', '--timezone', 'America/New_York');
const client = cli(env, 'clients', 'create', '--name', 'bench', '--scopes', 'scheduling:read scheduling:write scheduling:book', '--practices', '*');
const basic = `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`;
const tokenResponse = await fetch(`${url}/oauth2/token`, {
  method: 'POST',
  headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
  body: 'grant_type=client_credentials',
});
const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
const auth = { authorization: `Bearer ${token}` };
const json = { ...auth, 'content-type': 'application/json' };
const day = 86_400_000;
// A week from now at 13:00Z: every booking the bench makes lies within the API's 730-day horizon.
const today = new Date();
const base = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + 7, 13);
const seeded: string[] = [];
for (let i = 0; i < 2000; i += 1) {
  const start = new Date(base + Math.floor(i / 8) * day + (i % 8) * 3_600_000).toISOString();
  const response = await fetch(`${url}/scheduling/bookings`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ start, location_id: 'busy', doctor_id: `doc${i % 4}`, length: 45, status: 'open' }),
  });
  seeded.push(((await response.json()) as { id: string }).id);
}

process.stderr.write(`seeded ${seeded.length} bookings\n`);
if (database && (await database.bookings()) < seeded.length) throw new Error('the server did not write to DATABASE_URL: is PostgreSQL supported by this version?');
let created = 0;
const createBody = () => {
  created += 1;
  // Half-hour slots over 200 days from day 300, then the next doctor: a run makes far more bookings than
  // one doctor's slots within the horizon could hold.
  const slots = 200 * 48;
  const start = new Date(base + 300 * day + (created % slots) * 1_800_000).toISOString();
  return JSON.stringify({ start, location_id: 'busy', doctor_id: `bench-new-${Math.floor(created / slots)}`, length: 30, status: 'open' });
};
let nextHold = 0;

interface Scenario {
  name: string;
  kind: 'read' | 'write';
  requests: Request[];
  /** A yardstick of what the scenario cannot do without, run beside the others: its script and what it is. */
  floor?: { script: string; what: string };
  /** Method and path the bare server answers, with the bytes the real one gave. */
  sample: () => Promise<Array<{ key: string; when?: string; status: number; headers: Record<string, string>; body: string }>>;
}

async function capture(key: string, path: string, init: RequestInit, when?: string) {
  // As autocannon asks, without Accept-Encoding (fetch would ask for gzip and decode it): the plain bytes.
  const response = await fetch(`${url}${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), 'accept-encoding': 'identity' } });
  // Every header but those Node writes itself, so the yardstick sends the same bytes.
  const headers = Object.fromEntries([...response.headers].filter(([name]) => !['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding'].includes(name)));
  return { key, when, status: response.status, headers, body: await response.text() };
}

// The writes' ceiling is SQLite's (bench/koa-write-floor.mjs): shown beside the SQLite table only.
const writeFloor =
  ENGINE === 'sqlite'
    ? { script: 'bench/koa-write-floor.mjs', what: "Koa reading the JSON body and writing the row with the server's own SQLite schema in a shared transaction per turn, and nothing else" }
    : undefined;
const listPath = `/scheduling/locations/busy/bookings?status=open&limit=50`;
const schedulePath = '/bff/v1/schedule?location_ids=dr556,b2rGH&days=14';
const allScenarios: Scenario[] = [
  {
    name: "list a location's open bookings (50 per page)",
    kind: 'read',
    requests: [{ method: 'GET', path: listPath, headers: auth }],
    sample: async () => [await capture('GET /scheduling/locations/busy/bookings', listPath, { headers: auth })],
  },
  {
    name: 'BFF first screen (2 locations, 14 days)',
    kind: 'read',
    requests: [{ method: 'GET', path: schedulePath, headers: { origin: url } }],
    sample: async () => [await capture('GET /bff/v1/schedule', schedulePath, { headers: { origin: url } })],
  },
  {
    name: 'create a booking',
    kind: 'write',
    floor: writeFloor,
    requests: [{ method: 'POST', path: '/scheduling/bookings', headers: json, setupRequest: (r) => ({ ...r, body: createBody() }) }],
    sample: async () => [await capture('POST /scheduling/bookings', '/scheduling/bookings', { method: 'POST', headers: json, body: createBody() })],
  },
  {
    name: 'hold and release (2 requests)',
    kind: 'write',
    floor: writeFloor,
    requests: [
      {
        method: 'PUT',
        headers: json,
        body: '{"status":"pending"}',
        setupRequest: (r, context) => {
          context.id ??= seeded[nextHold++ % seeded.length];
          return { ...r, path: `/scheduling/bookings/${context.id as string}` };
        },
      },
      { method: 'PUT', headers: json, body: '{"status":"open"}', setupRequest: (r, context) => ({ ...r, path: `/scheduling/bookings/${context.id as string}` }) },
    ],
    sample: async () => {
      const id = seeded[seeded.length - 1];
      const put = (status: string) => ({ method: 'PUT', headers: json, body: JSON.stringify({ status }) });
      return [
        await capture('PUT *', `/scheduling/bookings/${id}`, put('pending'), 'pending'),
        await capture('PUT *', `/scheduling/bookings/${id}`, put('open'), 'open'),
      ];
    },
  },
  {
    name: 'token issuance',
    kind: 'write',
    floor: { script: 'bench/koa-token-floor.mjs', what: 'Koa reading the form and signing an ES256 token, and nothing else' },
    requests: [{ method: 'POST', path: '/oauth2/token', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' }],
    sample: async () => [
      await capture('POST /oauth2/token', '/oauth2/token', {
        method: 'POST',
        headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
      }),
    ],
  },
];

const scenarios = allScenarios.filter((s) => new RegExp(process.env.BENCH_ONLY ?? '').test(s.name));

// The bare server, answering every scenario's route with the real server's bytes, headers and body.
const answers: Record<string, Array<{ when?: string; status: number; headers: Record<string, string>; body: string }>> = {};
for (const scenario of scenarios) for (const { key, ...answer } of await scenario.sample()) (answers[key] ??= []).push(answer);
fs.writeFileSync(path.join(work, 'answers.json'), JSON.stringify(answers));
async function startYardstick(script: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [path.join(root, script), path.join(work, 'answers.json')], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const port = await new Promise<number>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
  return { child, url: `http://127.0.0.1:${port}` };
}
const bare = await startYardstick('bench/bare.mjs');
const koa = await startYardstick('bench/koa-floor.mjs');
const floors = new Map<Scenario, { child: ChildProcess; url: string }>();
for (const scenario of scenarios) if (scenario.floor) floors.set(scenario, await startYardstick(scenario.floor.script));

interface Run {
  rps: number;
  p99: number;
  non2xx: number;
  errors: number;
  /** The server's own CPU time (user and system) per answer: steadier than req/s when autocannon shares the cores. */
  cpuMicros: number;
}
/** CPU time a process has used, in microseconds, from /proc (clock ticks of 10 ms). */
function cpuTime(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}
/**
 * Drives one server, or several sharing the load (the connections split between them, at once): req/s
 * summed, p99 the worst of theirs, CPU summed over their processes per answer.
 */
const run = async (targets: Array<{ url: string; pid: number }>, scenario: Scenario, round: number): Promise<Run> => {
  const connections = Math.ceil(CONNECTIONS / targets.length);
  const load = (duration: number) => Promise.all(targets.map((t) => autocannon({ url: t.url, connections, duration, requests: scenario.requests })));
  // Each server first takes the scenario unmeasured, so no figure includes compiling its path.
  if (round === 1 && WARMUP > 0) await load(WARMUP);
  const cpu = () => targets.reduce((sum, t) => sum + cpuTime(t.pid), 0);
  const before = cpu();
  const results = await load(SECONDS);
  const total = results.reduce((n, r) => n + r.requests.total, 0);
  return {
    rps: results.reduce((n, r) => n + r.requests.average, 0),
    p99: Math.max(...results.map((r) => r.latency.p99)),
    non2xx: results.reduce((n, r) => n + r.non2xx, 0),
    errors: results.reduce((n, r) => n + r.errors + r.timeouts, 0),
    cpuMicros: (cpu() - before) / Math.max(1, total),
  };
};
const ours = servers.map((s) => ({ url: s.url, pid: s.child.pid! }));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const results = scenarios.map(() => ({ ours: [] as Run[], bare: [] as Run[], koa: [] as Run[], floor: [] as Run[] }));
for (let round = 1; round <= ROUNDS; round += 1) {
  for (const [i, scenario] of scenarios.entries()) {
    process.stderr.write(`round ${round}/${ROUNDS}: ${scenario.name}\n`);
    results[i].ours.push(await run(ours, scenario, round));
    results[i].bare.push(await run([{ url: bare.url, pid: bare.child.pid! }], scenario, round));
    results[i].koa.push(await run([{ url: koa.url, pid: koa.child.pid! }], scenario, round));
    const floor = floors.get(scenario);
    if (floor) results[i].floor.push(await run([{ url: floor.url, pid: floor.child.pid! }], scenario, round));
  }
}

const target = { read: 0.6, write: 0.3 };
const lines = [
  `### ${engineName}`,
  '',
  `Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}; ` +
    `${CONNECTIONS} connections, ${WARMUP} s of warm-up, ${ROUNDS} interleaved rounds of ${SECONDS} s, medians` +
    (PROCESSES > 1 ? `; our req/s summed over the ${PROCESSES} processes, p99 the worst of theirs` : '') +
    (ENGINE === 'postgres' ? "; CPU per answer counts the server processes, not PostgreSQL's own" : '') +
    '.',
  '',
  '| scenario | req/s | p99 ms | bare req/s | bare p99 ms | ratio | target | non-2xx | Koa alone req/s | Koa alone ratio | CPU µs per answer: ours / bare / Koa alone |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
];
let missed = 0;
for (const [i, scenario] of scenarios.entries()) {
  const ours = results[i].ours;
  const theirs = results[i].bare;
  const rps = median(ours.map((r) => r.rps));
  const bareRps = median(theirs.map((r) => r.rps));
  const koaRps = median(results[i].koa.map((r) => r.rps));
  const ratio = rps / bareRps;
  const non2xx = ours.reduce((n, r) => n + r.non2xx + r.errors, 0);
  if (ratio < target[scenario.kind] || non2xx > 0) missed += 1;
  lines.push(
    `| ${scenario.name} | ${Math.round(rps)} | ${median(ours.map((r) => r.p99))} | ${Math.round(bareRps)} | ${median(theirs.map((r) => r.p99))} | ` +
      `${ratio.toFixed(2)} | ${scenario.kind} ≥ ${target[scenario.kind]} | ${non2xx} | ` +
      `${Math.round(koaRps)} | ${(koaRps / bareRps).toFixed(2)} | ` +
      [ours, theirs, results[i].koa].map((runs) => median(runs.map((r) => r.cpuMicros)).toFixed(0)).join(' / ') +
      ' |',
  );
}
for (const [i, scenario] of scenarios.entries()) {
  if (!scenario.floor) continue;
  const rps = median(results[i].floor.map((r) => r.rps));
  const ratio = rps / median(results[i].bare.map((r) => r.rps));
  lines.push(
    '',
    `${scenario.name}, ceiling: ${scenario.floor.what} (${scenario.floor.script}): ` +
      `${Math.round(rps)} req/s, ratio ${ratio.toFixed(2)}, CPU µs per answer ${median(results[i].floor.map((r) => r.cpuMicros)).toFixed(0)}.`,
  );
}
process.stdout.write(lines.join('\n') + '\n');
bare.child.kill('SIGTERM');
koa.child.kill('SIGTERM');
for (const floor of floors.values()) floor.child.kill('SIGTERM');
for (const { child } of servers) child.kill('SIGTERM');
for (const { child } of servers) if (child.exitCode === null && child.signalCode === null) await once(child, 'exit'); // the CPU profile, when asked for, is written on the way out
await database?.drop();
fs.rmSync(work, { recursive: true, force: true });
if (missed > 0) process.stderr.write(`${missed} scenario(s) below target or with non-2xx answers\n`);
