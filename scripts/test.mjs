// npm test: every test. Type-checks, builds widget.js and the console, runs the server and end-to-end tests with node's
// test runner twice, on SQLite and then on PostgreSQL (a private cluster from scripts/pg-cluster.mjs, or a
// fresh database per test server in PG_TEST_URL), runs the widget's tests in Chromium once, and prints one
// closing line counting every pass. TEST_ENGINE=sqlite or TEST_ENGINE=postgres runs the server tests on one;
// test files given as arguments (npm test -- test/api.test.ts) run alone, on each engine, without the widget's tests.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { findChrome } from './find-chrome.mjs';
import { startPgCluster } from './pg-cluster.mjs';

const root = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '..');
process.chdir(root);
const chrome = findChrome();
const env = { ...process.env, CHROME_PATH: chrome };
// A test server is on PostgreSQL only when the PostgreSQL pass says so (test/helpers/database.ts).
delete env.DATABASE_URL;
delete env.TEST_DATABASE_URL;

function run(label, command, args, options = {}) {
  process.stdout.write(`\n== ${label}\n`);
  const result = spawnSync(command, args, { stdio: options.capture ? ['ignore', 'pipe', 'inherit'] : 'inherit', env: options.env ?? env, encoding: 'utf8' });
  if (options.capture) process.stdout.write(result.stdout ?? '');
  return result;
}

function testFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true })
    .map(String)
    .filter((name) => name.endsWith('.test.ts') && !name.includes('node_modules'))
    .map((name) => path.join(dir, name))
    .sort();
}

/**
 * Test files about one engine's own machinery, run in that engine's pass only (never skipped: the other
 * pass does not load them). Where a point also holds on the other engine, that engine has its own form.
 */
const ONLY_ON = {
  sqlite: new Map([
    ['test/at-rest-files.test.ts', 'file modes, a copy of the .sqlite without the key file beside it, migrating an old SQLite file'],
    ['test/store.test.ts', 'better-sqlite3 connections and the checkpoint thread'],
    ['test/read-cache.test.ts', "the read cache over SQLite's data_version"],
    ['test/sqlite-migrations.test.ts', 'SQLite files written by older versions, migrated at start-up'],
  ]),
  postgres: new Map([
    ['test/pg-engine.test.ts', "the PostgreSQL engine's own pieces (executor, migrations, constraints) on databases of their own"],
    ['test/webhooks-pg.test.ts', "the webhook outbox's claims on PostgreSQL (FOR UPDATE SKIP LOCKED over two pools)"],
  ]),
};

const failures = [];
if (run('type check', 'npx', ['tsc', '--noEmit', '-p', '.']).status !== 0) failures.push('type check');
if (run('build widget.js and the console', 'npm', ['run', '-s', 'build']).status !== 0) {
  process.stdout.write('0 passed, 1 failed\n');
  process.exit(1);
}

let passed = 0;
let failed = 0;
fs.mkdirSync('.tmp', { recursive: true });
const chosen = process.argv.slice(2).map((file) => path.relative(root, path.resolve(file)));
const files = chosen.length ? chosen : [...testFiles('test'), ...testFiles('server')];
const engines = (process.env.TEST_ENGINE || 'sqlite,postgres').split(',');
for (const name of engines) {
  if (!ONLY_ON[name]) failures.push(`TEST_ENGINE: no engine "${name}" (sqlite, postgres)`);
}

/** One run of node's test runner over `files` on one engine; adds its counts to the totals. */
function serverTests(engine, passEnv) {
  const other = engine === 'sqlite' ? 'postgres' : 'sqlite';
  const tap = `.tmp/node-tests-${engine}.tap`;
  fs.rmSync(tap, { force: true });
  const result = run(`server and end-to-end tests on ${engine === 'sqlite' ? 'SQLite' : 'PostgreSQL'} (node --test)`, process.execPath, [
    '--import', 'tsx', '--test', '--test-concurrency=2',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tap}`,
    ...files.filter((file) => !ONLY_ON[other].has(file)),
  ], { env: passEnv });
  const text = fs.existsSync(tap) ? fs.readFileSync(tap, 'utf8') : '';
  const counts = { passed: Number(/^# pass (\d+)/m.exec(text)?.[1] ?? 0), failed: Number(/^# fail (\d+)/m.exec(text)?.[1] ?? 0) + Number(/^# cancelled (\d+)/m.exec(text)?.[1] ?? 0) };
  if (result.status !== 0 && counts.failed === 0) counts.failed += 1;
  process.stdout.write(`${engine}: ${counts.passed} passed, ${counts.failed} failed\n`);
  passed += counts.passed;
  failed += counts.failed;
}

if (engines.includes('sqlite')) serverTests('sqlite', env);
if (engines.includes('postgres')) {
  let cluster;
  try {
    cluster = await startPgCluster();
  } catch (error) {
    process.stdout.write(`\n== server and end-to-end tests on PostgreSQL\n${error.message}\n`);
    failures.push('PostgreSQL pass (no PostgreSQL)');
  }
  if (cluster) {
    try {
      serverTests('postgres', { ...env, TEST_DATABASE_URL: cluster.adminUrl });
    } finally {
      cluster.stop();
    }
  }
}

if (!chosen.length) {
  const widget = run('widget tests in Chromium (web-test-runner)', 'npx', ['wtr', '--config', 'web-test-runner.config.mjs'], { capture: true });
  const counts = [...(widget.stdout ?? '').matchAll(/(\d+) passed, (\d+) failed/g)].pop();
  passed += Number(counts?.[1] ?? 0);
  failed += Number(counts?.[2] ?? 0);
  if (widget.status !== 0 && !Number(counts?.[2])) failed += 1;
}
if (failures.length) failed += failures.length;

process.stdout.write(`\n${failures.length ? `failed: ${failures.join(', ')}\n` : ''}${passed} passed, ${failed} failed\n`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
