// SQLite files written by older versions, migrated at start-up (SQLite only: scripts/test.mjs; PostgreSQL
// starts at its own first migration, which holds the whole schema).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { addClients, api, getToken, startServer, tempDatabasePath } from './helpers/server.js';

const ALL_SCOPES = ['scheduling:read', 'scheduling:write', 'scheduling:book'];

/** A start well inside the booking API's horizon: `days` from now at 17:00Z. */
function startIn(days: number): string {
  return `${new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10)}T17:00:00.000Z`;
}

function revealsNone(response: { body: unknown; headers: Headers }, ids: string[]) {
  const text = JSON.stringify(response.body) + JSON.stringify([...response.headers]);
  for (const id of ids) assert.ok(!text.includes(id), `answer names another practice's booking ${id}: ${text}`);
}

describe('migration 004 on a database with bookings', () => {
  test("existing bookings get their location's practice: the rule is per practice for them too", async () => {
    // A database as version 3 left it: A's doctor has a booking, written before bookings knew their practice.
    const databasePath = tempDatabasePath('v3');
    const migrations = path.join(import.meta.dirname, '../server/db/migrations');
    const db = new Database(databasePath);
    for (const file of ['001-init.sql', '002-bff-holds-booking.sql', '003-doctor-series.sql']) db.exec(fs.readFileSync(path.join(migrations, file), 'utf8'));
    db.pragma('user_version = 3');
    const now = Date.now();
    db.exec(`INSERT INTO practices VALUES ('pa', 'A', ${now}), ('pb', 'B', ${now})`);
    db.exec(`INSERT INTO locations (id, practice_id, name, timezone, created_at) VALUES ('la', 'pa', 'A', 'America/Denver', ${now}), ('lb', 'pb', 'B', 'America/Denver', ${now})`);
    db.exec(`INSERT INTO clients (id, name, secret_hash, scopes, created_at) VALUES ('old', 'old', 'x', 'scheduling:write', ${now})`);
    const start = Date.parse(startIn(5));
    db.prepare(
      `INSERT INTO bookings (id, location_id, doctor_id, start_at, start_offset, length, end_at, status, recurring, created_by, created_at, updated_at)
       VALUES ('old-a', 'la', 'DD3456', ?, 0, 60, ?, 'open', 0, 'old', ?, ?)`,
    ).run(start, start + 3_600_000, now, now);
    db.close();

    const migrated = await startServer({ databasePath });
    try {
      const clients = await addClients(migrated, [
        { id: 'a', scopes: ALL_SCOPES, practices: ['pa'] },
        { id: 'b', scopes: ALL_SCOPES, practices: ['pb'] },
      ]);
      const [a, b] = await Promise.all(clients.map(async (c) => api(migrated.url, await getToken(migrated.url, c))));
      const body = { location_id: 'lb', doctor_id: 'DD3456', start: startIn(5), status: 'open' };
      const theirs = await b('POST', '/scheduling/bookings', body);
      assert.equal(theirs.status, 201, JSON.stringify(theirs.body));
      revealsNone(theirs, ['old-a']);
      const mine = await a('POST', '/scheduling/bookings', { ...body, location_id: 'la' });
      assert.equal(mine.status, 409, JSON.stringify(mine.body));
      assert.ok(mine.body.message.includes('old-a'), mine.body.message);
    } finally {
      await migrated.close();
    }
  });
});
