// npm test: every test. Type-checks, builds widget.js and the console, runs the server and end-to-end tests
// with node's test runner and the widget's tests in Chromium, then prints one closing line.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { findChrome } from './find-chrome.mjs';

const root = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '..');
process.chdir(root);
const chrome = findChrome();
const env = { ...process.env, CHROME_PATH: chrome };

function run(label, command, args, options = {}) {
  process.stdout.write(`\n== ${label}\n`);
  const result = spawnSync(command, args, { stdio: options.capture ? ['ignore', 'pipe', 'inherit'] : 'inherit', env, encoding: 'utf8' });
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

const failures = [];
if (run('type check', 'npx', ['tsc', '--noEmit', '-p', '.']).status !== 0) failures.push('type check');
if (run('build widget.js and the console', 'npm', ['run', '-s', 'build']).status !== 0) {
  process.stdout.write('0 passed, 1 failed\n');
  process.exit(1);
}

let passed = 0;
let failed = 0;
fs.mkdirSync('.tmp', { recursive: true });
const files = [...testFiles('test'), ...testFiles('server')];
const node = run('server and end-to-end tests (node --test)', process.execPath, [
  '--import', 'tsx', '--test', '--test-concurrency=2',
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  '--test-reporter=tap', '--test-reporter-destination=.tmp/node-tests.tap',
  ...files,
]);
const tap = fs.existsSync('.tmp/node-tests.tap') ? fs.readFileSync('.tmp/node-tests.tap', 'utf8') : '';
passed += Number(/^# pass (\d+)/m.exec(tap)?.[1] ?? 0);
failed += Number(/^# fail (\d+)/m.exec(tap)?.[1] ?? 0) + Number(/^# cancelled (\d+)/m.exec(tap)?.[1] ?? 0);
if (node.status !== 0 && failed === 0) failed += 1;

const widget = run('widget tests in Chromium (web-test-runner)', 'npx', ['wtr', '--config', 'web-test-runner.config.mjs'], { capture: true });
const counts = [...(widget.stdout ?? '').matchAll(/(\d+) passed, (\d+) failed/g)].pop();
passed += Number(counts?.[1] ?? 0);
failed += Number(counts?.[2] ?? 0);
if (widget.status !== 0 && !Number(counts?.[2])) failed += 1;
if (failures.length) failed += failures.length;

process.stdout.write(`\n${failures.length ? `failed: ${failures.join(', ')}\n` : ''}${passed} passed, ${failed} failed\n`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
