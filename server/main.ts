import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { seedDemoOnFirstStart } from './demo.js';
import { keyFilePath } from './db/keyring.js';
import { describeDatabaseUrl } from './db/postgres/connect.js';
import { createHttpServer } from './http/server.js';

async function main(): Promise<void> {
  // Every file the server creates (the data directory, the database and its log, the key file) is the owner's alone.
  process.umask(0o077);
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`thread: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const thread = await createApp(config);
  const seeded = config.demo && (await seedDemoOnFirstStart(thread.store, config));
  const server = createHttpServer(thread.handler);
  await new Promise<void>((resolve) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const why =
        error.code === 'EADDRINUSE'
          ? `PORT ${config.port} is already in use on ${config.host}`
          : `HOST "${config.host}" is not an address this machine can listen on (${error.code})`;
      process.stderr.write(`thread: ${why}\n`);
      process.exit(1);
    });
    server.listen(config.port, config.host, resolve);
  });

  const url = config.publicUrl;
  const lines = [
    `Thread scheduling is listening on http://${config.host}:${config.port} (public URL ${url})`,
    config.demo ? `  demo practice page   ${url}/` : '  demo                 off (THREAD_DEMO=off)',
    `  widget script        ${url}/widget.js`,
    `  booking API          ${url}/scheduling`,
    `  OAuth token endpoint ${url}/oauth2/token   (discovery: ${url}/.well-known/openid-configuration)`,
    `  widget BFF           ${url}/bff/v1`,
    `  database             ${config.databaseUrl ? describeDatabaseUrl(config.databaseUrl) : config.databasePath}${seeded ? '  (demo data seeded)' : ''}`,
    `  patient data key     ${config.patientDataKeys ? 'PATIENT_DATA_KEY' : `${keyFilePath(config.databasePath)}  (back it up apart from the database)`}`,
    `  BFF upstream         ${config.upstream ? config.upstream.apiUrl : 'this server'}`,
  ];
  process.stderr.write(lines.join('\n') + '\n');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    config.log({ level: 'info', msg: `${signal}: finishing requests in flight, then stopping` });
    thread.drain();
    server.close(() => {
      // Exit once the database is closed, after the checkpoint thread's connection: the last to close removes the log.
      void thread.close().then(() => process.exit(0));
    });
    server.closeIdleConnections();
    setTimeout(() => {
      server.closeAllConnections();
    }, 10_000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`thread: could not start: ${(error as Error).message}\n`);
  process.exit(1);
});
