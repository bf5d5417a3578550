// Helpers for the tests of patient data at rest (CONTRACT section 11): real server processes and the real
// CLI on the run's engine (at-rest.test.ts), and on SQLite files (at-rest-files.test.ts).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import type { SignUp } from '../shared/types.js';
import { confirm, hold, openBooking, SITE } from './bff-helpers.js';
import { databaseEnv } from './helpers/database.js';
import { startServerProcess, type ServerProcess } from './helpers/process.js';
import { api, getToken } from './helpers/server.js';

/** Stops a server process (SIGTERM) if it still runs. */
export async function stop(server: ServerProcess): Promise<void> {
  if (server.child.exitCode === null && server.child.signalCode === null) {
    server.child.kill('SIGTERM');
    await server.exited;
  }
}

/** `startServerProcess` for one test file: what it starts is stopped when the file's tests are done. */
export function processStarter(): (env: NodeJS.ProcessEnv) => Promise<ServerProcess> {
  const running: ServerProcess[] = [];
  after(async () => {
    for (const server of running) await stop(server);
  });
  return async (env) => {
    const server = await startServerProcess(env);
    running.push(server);
    return server;
  };
}

/** A database path in a directory that does not exist yet: the server or the CLI makes it. */
export function freshDatabasePath(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'thread-at-rest-')), 'data', 'thread.sqlite');
}

export function cli(env: NodeJS.ProcessEnv, ...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
  return { status: result.status, stderr: result.stderr, json: () => JSON.parse(result.stdout) as Record<string, any> };
}

export function cliOk(env: NodeJS.ProcessEnv, ...args: string[]): Record<string, any> {
  const result = cli(env, ...args);
  assert.equal(result.status, 0, result.stderr);
  return result.json();
}

/**
 * A server process with practice P1, its site and a practice system client that may read sign-ups, on a
 * fresh database of the run's engine; `cliEnv` runs the CLI on that database.
 */
export async function practiceProcess(start: (env: NodeJS.ProcessEnv) => Promise<ServerProcess>, env: NodeJS.ProcessEnv = {}) {
  const databasePath = freshDatabasePath();
  const server = await start({ DATABASE_PATH: databasePath, ...env });
  const cliEnv = { ...databaseEnv(databasePath), ...env };
  cliOk(cliEnv, 'practices', 'create', '--id', 'P1', '--name', 'At Rest Orthodontics');
  cliOk(cliEnv, 'locations', 'create', '--id', 'loc1', '--practice', 'P1', '--name', 'Main', '--timezone', 'America/Chicago');
  cliOk(cliEnv, 'sites', 'create', '--origin', SITE, '--practice', 'P1');
  const made = cliOk(cliEnv, 'clients', 'create', '--name', 'pms', '--scopes', 'scheduling:read scheduling:write scheduling:patients', '--practices', 'P1');
  const pms = { id: made.client_id as string, secret: made.client_secret as string };
  return { server, databasePath, cliEnv, pms, owner: api(server.url, await getToken(server.url, pms)) };
}

let nextHour = 24;
/** Books an open time through the BFF as a patient on the practice's site would; returns the booking id. */
export async function bookThroughBff(server: { url: string }, owner: ReturnType<typeof api>, patient: SignUp): Promise<string> {
  nextHour += 1;
  const start = new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000 + nextHour * 3_600_000).toISOString();
  const booking = await openBooking(owner, { start, doctor_id: `D${nextHour}` });
  const held = await hold(server, booking);
  assert.equal(held.status, 201, held.text);
  const booked = await confirm(server, held.body.hold_token, patient);
  assert.equal(booked.status, 200, booked.text);
  return booking.id;
}

/** Every file in the database's directory, as bytes. */
export function filesBeside(databasePath: string): Map<string, Buffer> {
  const dir = path.dirname(databasePath);
  return new Map(fs.readdirSync(dir).map((name) => [name, fs.readFileSync(path.join(dir, name))]));
}

export function assertNoneIn(files: Map<string, Buffer>, values: string[]): void {
  for (const [name, bytes] of files) {
    for (const value of values) assert.ok(!bytes.includes(Buffer.from(value)), `"${value}" is in ${name} in clear`);
  }
}

export const mode = (file: string) => fs.statSync(file).mode & 0o777;

export const SECOND_PATIENT: SignUp = { first_name: 'Bartholomew', last_name: 'Wrenfield', email: 'b.wrenfield@example.net', phone: '+1 720 555 0177', date_of_birth: '1954-11-03' };
