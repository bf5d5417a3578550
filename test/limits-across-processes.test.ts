// Rate limits and throttles count across server processes sharing one database (CONTRACT
// section 6): an address gets one allowance, not one per process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { before, describe, test } from 'node:test';
import type { ScheduleResponse } from '../shared/types.js';
import { CONFIRMS_PER_MINUTE, HOLDS_PER_MINUTE } from '../server/bff/limits.js';
import { MALFORMED_PER_MINUTE } from '../server/http/malformed.js';
import { bff, confirm, hold, type BffAnswer } from './bff-helpers.js';
import { databaseEnv } from './helpers/database.js';
import { serverProcesses, type ServerProcess } from './helpers/process.js';
import { tempDatabasePath } from './helpers/server.js';

const start = serverProcesses();
/** The demo practice's web site, registered with the CLI once the processes run. */
const SITE = 'https://www.abc123ortho.example';
const LOCATION = 'dr556';

describe('two server processes on one database', () => {
  let a: ServerProcess;
  let b: ServerProcess;
  let slot: { booking_id: string; start_datetime: string };

  before(async () => {
    const databasePath = tempDatabasePath('shared');
    a = await start({ DATABASE_PATH: databasePath });
    b = await start({ DATABASE_PATH: databasePath });
    const cli = spawnSync(process.execPath, ['--import', 'tsx', 'server/cli.ts', 'sites', 'create', '--origin', SITE, '--practice', '3rt42'], {
      env: { ...process.env, ...databaseEnv(databasePath) },
      encoding: 'utf8',
    });
    assert.equal(cli.status, 0, cli.stderr);
    const screen = await bff<ScheduleResponse>(a, `/schedule?location_ids=${LOCATION}&days=21`, { origin: SITE });
    assert.equal(screen.status, 200, screen.text);
    slot = screen.body.locations[0].slots[0];
    assert.ok(slot, 'the demo offers a time');
  });

  /** Sends `count` requests to `server` one after another and returns their answers. */
  async function send(count: number, server: ServerProcess, one: (server: ServerProcess) => Promise<BffAnswer>): Promise<BffAnswer[]> {
    const answers: BffAnswer[] = [];
    for (let i = 0; i < count; i += 1) answers.push(await one(server));
    return answers;
  }
  function assertRateLimited(answer: BffAnswer, what: string): void {
    assert.equal(answer.status, 429, `${what}: ${answer.text}`);
    assert.equal((answer.body as { reason?: string }).reason, 'rate_limited', answer.text);
    assert.ok(Number(answer.headers['retry-after']) >= 1, `Retry-After: ${answer.headers['retry-after']}`);
  }

  test(`hold attempts: ${HOLDS_PER_MINUTE} from one address over both processes, and the next is 429 on either`, async () => {
    const from = '127.0.30.1';
    // One hold of the time, then attempts on the same time (409 slot_taken): every attempt counts.
    const attempt = (server: ServerProcess) => hold(server, slot, { origin: SITE, location_id: LOCATION, from });
    const first = [...(await send(11, a, attempt)), ...(await send(HOLDS_PER_MINUTE - 11, b, attempt))];
    assert.equal(first[0].status, 201, first[0].text);
    for (const answer of first.slice(1)) assert.equal(answer.status, 409, answer.text);
    assertRateLimited(await attempt(b), 'B');
    assertRateLimited(await attempt(a), 'A');
    // Another address is not affected.
    assert.equal((await hold(b, slot, { origin: SITE, location_id: LOCATION, from: '127.0.30.2' })).status, 409);
  });

  test(`confirm attempts: ${CONFIRMS_PER_MINUTE} from one address over both processes, and the next is 429 on either`, async () => {
    const from = '127.0.31.1';
    const attempt = (server: ServerProcess) => confirm(server, 'n'.repeat(43), undefined, { origin: SITE, from });
    const first = [...(await send(6, a, attempt)), ...(await send(CONFIRMS_PER_MINUTE - 6, b, attempt))];
    for (const answer of first) assert.equal(answer.status, 404, answer.text);
    assertRateLimited(await attempt(b), 'B');
    assertRateLimited(await attempt(a), 'A');
    assert.equal((await confirm(a, 'n'.repeat(43), undefined, { origin: SITE, from: '127.0.31.2' })).status, 404);
  });

  test(`malformed requests: ${MALFORMED_PER_MINUTE} from one address over both processes, and the next request is 429 on either`, async () => {
    const from = '127.0.32.1';
    const malformed = (server: ServerProcess) => bff(server, `/schedule?location_ids=${LOCATION}&days=nope`, { origin: SITE, from });
    const first = [...(await send(30, a, malformed)), ...(await send(MALFORMED_PER_MINUTE - 30, b, malformed))];
    for (const answer of first) assert.equal(answer.status, 400, answer.text);
    // Even a good request is refused now, before it is read.
    for (const server of [b, a]) {
      const refused = await bff(server, `/schedule?location_ids=${LOCATION}&days=7`, { origin: SITE, from });
      assert.equal(refused.status, 429, refused.text);
      assert.match((refused.body as { message: string }).message, /malformed/);
      assert.ok(Number(refused.headers['retry-after']) >= 1);
    }
    assert.equal((await bff(a, `/schedule?location_ids=${LOCATION}&days=7`, { origin: SITE, from: '127.0.32.2' })).status, 200);
  });
});
