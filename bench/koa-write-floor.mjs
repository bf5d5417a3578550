// The least a Koa endpoint that writes a booking can do: read the JSON body, insert the row (POST) or
// change its status (PUT, as a hold and its release do) in SQLite with the server's own schema (its
// migrations: the same indexes and triggers), in one shared transaction per turn of the event loop with
// the log checkpointed on a worker thread, as the server does, and answer with the real server's
// headers. No authentication, validation, overlap rule, status machine, request id or log line: the
// ceiling for these writes with Koa and this schema on this machine.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import Database from 'better-sqlite3';
import Koa from 'koa';

const answers = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const file = path.join(path.dirname(process.argv[2]), `write-floor-${process.pid}.sqlite`);
const db = new Database(file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('foreign_keys = ON');
db.pragma('secure_delete = ON');
const migrations = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'server', 'db', 'migrations');
for (const name of fs.readdirSync(migrations).filter((n) => /^\d{3}-.+\.sql$/.test(n)).sort()) db.exec(fs.readFileSync(path.join(migrations, name), 'utf8'));
db.exec(`INSERT INTO practices (id, name, created_at) VALUES ('bench', 'Bench', 0);
  INSERT INTO locations (id, practice_id, name, website, street_address, secondary_address, city, state, zip, timezone, created_at)
    VALUES ('busy', 'bench', 'Busy', 'https://example.com', '1 Main St', '', 'Springfield', 'NY', '10001', 'America/New_York', 0);
  INSERT INTO clients (id, name, secret_hash, scopes, all_practices, created_at) VALUES ('floor', 'floor', 'x', 'scheduling:write', 1, 0);`);
db.pragma('wal_autocheckpoint = 10000');
const checkpointer = new Worker(
  `const { workerData } = require('node:worker_threads'); const db = new (require(workerData.driver))(workerData.file);
   db.pragma('busy_timeout = 1000'); setInterval(() => { try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {} }, 100);`,
  { eval: true, workerData: { file, driver: createRequire(import.meta.url).resolve('better-sqlite3') } },
);
checkpointer.unref();

const insert = db.prepare(`INSERT INTO bookings (id, location_id, practice_id, doctor_id, start_at, start_offset, length, end_at, status,
  recurring, series_id, created_by, held_by, hold_expires_at, created_at, updated_at)
  VALUES (:id, :location_id, 'bench', :doctor_id, :start_at, :start_offset, :length, :end_at, :status, 0, NULL, 'floor', NULL, NULL, :now, :now)`);
const changeStatus = db.prepare('UPDATE bookings SET status = :status, updated_at = :now WHERE id = :id');
const begin = db.prepare('BEGIN IMMEDIATE');
const commit = db.prepare('COMMIT');
let queued = [];
function commitQueued() {
  const turn = queued;
  queued = [];
  begin.run();
  for (const item of turn) {
    // A booking the real server seeded is made here the first time it is asked for.
    if (item.status === undefined || changeStatus.run({ id: item.row.id, status: item.status, now: item.row.now }).changes === 0) insert.run(item.row);
  }
  commit.run();
  for (const item of turn) item.resolve();
}

const app = new Koa();
let made = 0;
const day = 86_400_000;
app.use(async (ctx) => {
  const chunks = [];
  for await (const chunk of ctx.req) chunks.push(chunk);
  const input = JSON.parse(Buffer.concat(chunks).toString());
  const put = ctx.method === 'PUT' && /^\/scheduling\/bookings\/[^/]+$/.test(ctx.path);
  if (!put && (ctx.method !== 'POST' || ctx.path !== '/scheduling/bookings')) return;
  // A PUT's booking, when it is new here, lies on a day of its own: no two rows share a doctor's time.
  const start = put ? Date.parse('2030-01-01T13:00:00Z') + (made += 1) * day : Date.parse(input.start);
  const row = {
    id: put ? ctx.path.split('/').pop() : randomBytes(9).toString('base64url'),
    location_id: 'busy',
    doctor_id: put ? 'floor' : input.doctor_id,
    start_at: start,
    start_offset: -300,
    length: put ? 45 : input.length,
    end_at: start + (put ? 45 : input.length) * 60_000,
    status: put ? 'open' : input.status,
    now: Date.now(),
  };
  await new Promise((resolve) => {
    if (queued.push({ row, status: put ? input.status : undefined, resolve }) === 1) setImmediate(commitQueued);
  });
  const answer = put
    ? answers['PUT *'].find((a) => a.when === input.status)
    : answers['POST /scheduling/bookings'][0];
  ctx.status = answer.status;
  ctx.set(answer.headers);
  if (!put) ctx.set('Location', answer.headers.location.replace(/[^/]+$/, row.id));
  ctx.body = put ? answer.body : JSON.stringify({ ...JSON.parse(answer.body), id: row.id });
});
const server = app.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
server.keepAliveTimeout = 65_000;
process.on('SIGTERM', () => server.close(() => process.exit(0)));
