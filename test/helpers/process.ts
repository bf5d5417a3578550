// The server as `npm start` runs it: a child process of server/main.ts, for tests of what
// only a real process shows (signals, crashes, two processes over one database file).
import { spawn, type ChildProcess } from 'node:child_process';
import { after } from 'node:test';
import net from 'node:net';
import { databaseUrlFor } from './database.js';
import { tempDatabasePath } from './server.js';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  child: ChildProcess;
  /** Where it listens (127.0.0.1 and its port). */
  url: string;
  /** The environment it runs with: start another on the same one to restart it. */
  env: NodeJS.ProcessEnv;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

/**
 * Starts `node --import tsx server/main.ts` (a fresh port and database unless `env` names them) and waits until
 * /readyz answers. A DATABASE_PATH given is the same database on either engine (DATABASE_URL added on PostgreSQL).
 */
export async function startServerProcess(env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  // A port found free may be taken by another test's connection before the server binds it: a port of our
  // own choosing is then chosen again (a port the test named is not).
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startOnce(env);
    } catch (error) {
      if (env.PORT || attempt === 3 || !/PORT \d+ is already in use/.test((error as Error).message)) throw error;
    }
  }
}

async function startOnce(env: NodeJS.ProcessEnv): Promise<ServerProcess> {
  const port = env.PORT ?? String(await freePort());
  const url = `http://127.0.0.1:${port}`;
  const databasePath = env.DATABASE_PATH ?? tempDatabasePath('process');
  // In npm test's PostgreSQL pass, the database that stands for that path (see database.ts), unless one is given.
  const databaseUrl = env.DATABASE_URL ?? (await databaseUrlFor(databasePath));
  const full: NodeJS.ProcessEnv = { ...process.env, PORT: port, PUBLIC_URL: url, ...env, DATABASE_PATH: databasePath, ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) };
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], { env: full, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // A server that fails on its own (not stopped by a signal) says why next to the test that then fails.
  child.once('exit', (code) => {
    if (code) process.stderr.write(`server process ${url} exited ${code}: ${stderr.slice(-2000)}\n`);
  });
  for (let i = 0; i < 400; i += 1) {
    if (child.exitCode !== null) throw new Error(`server exited ${child.exitCode}: ${stderr}`);
    const ready = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    if (ready) return { child, url, env: full, stdout: () => stdout, stderr: () => stderr, exited };
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`server did not become ready: ${stderr}`);
}

/** `startServerProcess` for one test file: every process it starts is killed when the file's tests are done. */
export function serverProcesses(): (env?: NodeJS.ProcessEnv) => Promise<ServerProcess> {
  const started: ServerProcess[] = [];
  after(async () => {
    for (const server of started) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
  });
  return async (env = {}) => {
    const server = await startServerProcess(env);
    started.push(server);
    return server;
  };
}
