// A private PostgreSQL for tests and the bench: Debian's initdb into a fresh temporary folder, trust
// authentication on 127.0.0.1 and a free port, its socket inside that folder, torn down (server stopped,
// folder removed) when the caller stops it, exits, or is interrupted. PG_TEST_URL names a running server
// to use instead (its user must be allowed to CREATE DATABASE); then nothing is started or removed.
//
//   node scripts/pg-cluster.mjs                 starts one, prints its admin URL, stops it on Ctrl-C
//   node scripts/pg-cluster.mjs -- <command>    runs the command with PG_ADMIN_URL set, then stops it
//
// Plain Node, no dependencies: npm test and .ci/run use it before anything is built.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** The newest Debian PostgreSQL's bin folder (/usr/lib/postgresql/<major>/bin), or one with initdb on PATH. */
export function findPostgres() {
  const base = '/usr/lib/postgresql';
  const majors = fs.existsSync(base) ? fs.readdirSync(base).filter((name) => /^\d+(\.\d+)?$/.test(name)) : [];
  majors.sort((a, b) => Number(b) - Number(a));
  for (const major of majors) {
    const bin = path.join(base, major, 'bin');
    if (fs.existsSync(path.join(bin, 'initdb')) && fs.existsSync(path.join(bin, 'pg_ctl'))) return bin;
  }
  const found = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  if (found.status === 0 && found.stdout.trim()) {
    const bin = path.dirname(fs.realpathSync(found.stdout.trim()));
    if (fs.existsSync(path.join(bin, 'pg_ctl'))) return bin;
  }
  return undefined;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

// PostgreSQL refuses to run as root: as root, the folder goes to the postgres user and the binaries run as it.
const asRoot = process.getuid?.() === 0;
function command(bin, name, args) {
  const file = path.join(bin, name);
  return asRoot ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
}

function runSync(bin, name, args) {
  const [file, argv] = command(bin, name, args);
  const result = spawnSync(file, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.error) throw result.error;
  return result;
}

/** Runs pg_ctl start in its own process group, so a Ctrl-C meant for the tests does not reach the server first. */
function runDetached(bin, name, args) {
  const [file, argv] = command(bin, name, args);
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('error', reject);
    child.once('exit', (status) => resolve({ status, output }));
  });
}

// Settings for throw-away data: no waiting on the disk, room for the connection pools of several servers per test file.
const SERVER_SETTINGS = ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off', 'max_connections=400', 'shared_buffers=64MB', 'log_min_messages=warning'];

/**
 * Starts a private cluster (or takes PG_TEST_URL) and resolves to `{ adminUrl, external, stop }`: adminUrl
 * reaches the `postgres` database as a superuser; stop() is idempotent and synchronous (it runs on exit).
 */
export async function startPgCluster({ log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  if (process.env.PG_TEST_URL) return { adminUrl: process.env.PG_TEST_URL, external: true, stop() {} };

  const bin = findPostgres();
  if (!bin) {
    throw new Error("PostgreSQL's initdb was not found under /usr/lib/postgresql/*/bin or on PATH: install Debian's postgresql package (apt-get install postgresql) or set PG_TEST_URL");
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thread-pg-'));
  const data = path.join(dir, 'data');
  let running = false;
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    // Immediate: the data is thrown away, so nothing needs to reach the disk.
    if (running) runSync(bin, 'pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w']);
    fs.rmSync(dir, { recursive: true, force: true });
    process.off('exit', stop);
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
  };
  const interrupted = (signal) => {
    stop();
    process.kill(process.pid, signal);
  };
  process.on('exit', stop);
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  try {
    if (asRoot) {
      const chown = spawnSync('chown', ['postgres:postgres', dir], { encoding: 'utf8' });
      if (chown.status !== 0) throw new Error(`chown postgres ${dir}: ${chown.stderr}`);
    }
    const init = runSync(bin, 'initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync']);
    if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.stdout}`);
    // A port probed free can be taken before the server binds it: try again with another.
    for (let attempt = 1; ; attempt += 1) {
      const port = await freePort();
      const options = ['-c listen_addresses=127.0.0.1', `-p ${port}`, `-k ${dir}`, ...SERVER_SETTINGS.map((s) => `-c ${s}`)].join(' ');
      const started = await runDetached(bin, 'pg_ctl', ['start', '-w', '-t', '60', '-D', data, '-l', path.join(dir, 'server.log'), '-o', options]);
      if (started.status === 0) {
        running = true;
        const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
        log(`PostgreSQL ${path.basename(path.dirname(bin))} started for this run at ${adminUrl} (data in ${dir})`);
        return { adminUrl, external: false, stop };
      }
      const serverLog = fs.existsSync(path.join(dir, 'server.log')) ? fs.readFileSync(path.join(dir, 'server.log'), 'utf8') : '';
      // pg_ctl may give up while the postmaster still comes up later: make sure none is left behind.
      runSync(bin, 'pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w']);
      if (attempt === 3 || !/could not bind|Address already in use/.test(serverLog)) {
        throw new Error(`pg_ctl start failed: ${started.output}\n${serverLog.split('\n').slice(-20).join('\n')}`);
      }
    }
  } catch (error) {
    stop();
    throw error;
  }
}

// As a command: start, print the URL, then wait for Ctrl-C or run the command given after `--`.
if (import.meta.url === `file://${process.argv[1]}`) {
  const cluster = await startPgCluster();
  const dash = process.argv.indexOf('--');
  if (dash < 0) {
    process.stdout.write(`${cluster.adminUrl}\n`);
    process.stderr.write('Ctrl-C stops it and removes its data.\n');
    setInterval(() => {}, 1 << 30);
  } else {
    const [file, ...args] = process.argv.slice(dash + 1);
    const child = spawnSync(file, args, { stdio: 'inherit', env: { ...process.env, PG_ADMIN_URL: cluster.adminUrl } });
    cluster.stop();
    process.exit(child.status ?? 1);
  }
}
