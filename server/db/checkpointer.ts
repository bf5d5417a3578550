import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the background connection copies the write-ahead log into the database file. */
const EVERY_MS = 100;

// CommonJS, run as a worker thread with its own connection to the same file.
const source = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // busy or closing: the next round copies what this one could not
  }
}, workerData.everyMs);
parentPort.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * Checkpoints on a worker thread. A checkpoint copies the log into the database file and waits
 * for the disk twice; SQLite would otherwise do it inside whichever request's commit filled the
 * log, holding up every request behind it. `stop` ends the thread and lets its connection close.
 * Should the thread fail, `onFailure` hands checkpoints back to the caller's connection.
 */
export function startCheckpointer(file: string, onFailure: (error: Error) => void): { stop(): Promise<void> } {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(source, { eval: true, workerData: { file, driver, everyMs: EVERY_MS } });
  worker.on('error', onFailure);
  worker.unref();
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    /** Settles once the thread has closed its connection. */
    stop: () => {
      worker.ref(); // whoever waits for the thread to end keeps the process up until it has
      worker.postMessage('stop');
      return exited;
    },
  };
}
