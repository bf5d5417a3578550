import path from 'node:path';
import { parseDataKey, type DataKeys } from './db/keyring.js';
import type { WebhookLookup } from './webhooks/url-check.js';

export interface UpstreamConfig {
  /** The OAuth issuer the BFF discovers its token endpoint at. */
  issuer: string;
  /** The booking API's base URL (the part before /scheduling). */
  apiUrl: string;
  clientId: string;
  clientSecret: string;
}

export interface Config {
  port: number;
  host: string;
  databasePath: string;
  /** DATABASE_URL: PostgreSQL (postgres:// or postgresql://) instead of SQLite at databasePath. */
  databaseUrl?: string;
  /** Issuer and base of every absolute URL, without a trailing slash. */
  publicUrl: string;
  holdMinutes: number;
  /** How many reverse proxies stand in front (TRUST_PROXY): the client address is the N-th nearest X-Forwarded-For hop; 0 ignores the header. */
  trustProxy: number;
  /** CACHE=off: no read cache and no kept answers, so a test run can tell a cache bug from a logic bug. */
  cache: boolean;
  /** THREAD_DEMO: seed the demo practice on first start and serve its page at `/`; off in production. */
  demo: boolean;
  /** Days after an appointment's start that its sign-up is deleted. */
  patientRetentionDays: number;
  /** PATIENT_DATA_KEY (and _PREVIOUS); undefined: the key file beside the database. */
  patientDataKeys?: DataKeys;
  /** Where the BFF gets its bookings; undefined: this server itself, with a provisioned client. */
  upstream?: UpstreamConfig;
  /** How many hours before an appointment's start a patient can no longer cancel or move it online (default 24). */
  cancelCutoffHours?: number;
  /** Malformed requests (answered 400, 413 or 415) an address may send a minute before it gets 429s; default 50. */
  malformedPerMinute?: number;
  /** WEBHOOKS_ALLOW_HTTP=loopback: webhooks may go to loopback addresses, over plain http too (development, tests). */
  webhooksAllowLoopback?: boolean;
  /** How webhook hosts are resolved (default dns.lookup); tests give their own DNS. */
  webhookLookup?: WebhookLookup;
  /** The clock; tests inject their own. */
  now: () => number;
  /** Log lines (already redacted); tests may silence them. */
  log: (line: Record<string, unknown>) => void;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return Number(raw);
}

function url(env: Env, name: string, fallback: string): string {
  const raw = env[name] || fallback;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be an absolute http(s) URL, got "${raw}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError(`${name} must be an absolute http(s) URL, got "${raw}"`);
  }
  // Absolute URLs are built by appending paths: a query, fragment or credentials would end up in the middle.
  if (parsed.search || parsed.hash || /[?#]/.test(raw) || parsed.username || parsed.password) {
    throw new ConfigError(`${name} must be an http(s) URL without a query, fragment or credentials, got "${raw}"`);
  }
  return parsed.href.replace(/\/+$/, '');
}

/** A host name or an IP address to listen on (no scheme, port or path). */
function host(env: Env): string {
  const raw = env.HOST || '127.0.0.1';
  const name = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$/;
  const ipv6 = /^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$/;
  if (!name.test(raw) && !ipv6.test(raw)) throw new ConfigError(`HOST must be a host name or IP address, got "${raw}"`);
  return raw;
}

/** DATABASE_URL, when given: a postgres:// or postgresql:// URL. Never echoed: it may hold a password. */
function databaseUrl(env: Env): string | undefined {
  const raw = env.DATABASE_URL;
  if (raw === undefined || raw === '') return undefined;
  let parsed: URL | undefined;
  try {
    parsed = new URL(raw);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:')) {
    throw new ConfigError('DATABASE_URL must be a PostgreSQL URL such as postgres://user:password@host:5432/thread');
  }
  return raw;
}

/** PATIENT_DATA_KEY, and PATIENT_DATA_KEY_PREVIOUS (comma-separated) still read during a rotation. Never echoed. */
function dataKeys(env: Env): DataKeys | undefined {
  const keys = (name: string) =>
    (env[name] ?? '').split(',').filter((text) => text.trim()).map((text) => {
      const key = parseDataKey(text);
      if (!key) throw new ConfigError(`${name} must be the base64 of exactly 32 bytes (as made by: openssl rand -base64 32)`);
      return key;
    });
  const [current, ...extra] = keys('PATIENT_DATA_KEY');
  const previous = keys('PATIENT_DATA_KEY_PREVIOUS');
  if (extra.length > 0) throw new ConfigError('PATIENT_DATA_KEY must be one key; older ones go in PATIENT_DATA_KEY_PREVIOUS');
  if (!current && previous.length > 0) throw new ConfigError('PATIENT_DATA_KEY_PREVIOUS needs PATIENT_DATA_KEY');
  return current ? { current, previous } : undefined;
}

/**
 * One JSON line per event on stdout, written a turn of the event loop at a time: under load one
 * write carries many lines. What is pending when the process exits is written on the way out.
 */
let pendingLog = '';
function flushLog(): void {
  if (!pendingLog) return;
  const text = pendingLog;
  pendingLog = '';
  process.stdout.write(text);
}
process.on('exit', flushLog);
const jsonLog = (line: Record<string, unknown>) => {
  if (!pendingLog) {
    setImmediate(flushLog);
  }
  pendingLog += JSON.stringify(line) + '\n';
};

function onOff(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'on') return true;
  if (raw === 'off') return false;
  throw new ConfigError(`${name} must be on or off, got "${raw}"`);
}

/** Reads the environment; a bad value throws one ConfigError naming the variable. */
export function loadConfig(env: Env = process.env): Config {
  const port = integer(env, 'PORT', 3000, 0, 65535);
  const listenHost = host(env);
  const publicUrl = url(env, 'PUBLIC_URL', `http://localhost:${port}`);
  const holdMinutes = integer(env, 'HOLD_MINUTES', 10, 1, 1440);
  const patientRetentionDays = integer(env, 'PATIENT_RETENTION_DAYS', 365, 1, 3650);
  const databasePath = path.resolve(env.DATABASE_PATH || './data/thread.sqlite');
  const databaseUrlGiven = databaseUrl(env);
  const trustProxy = integer(env, 'TRUST_PROXY', 0, 0, 10);
  const cancelCutoffHours = integer(env, 'CANCEL_CUTOFF_HOURS', 24, 0, 8760);
  const demo = onOff(env, 'THREAD_DEMO', true);
  const cache = onOff(env, 'CACHE', true);
  const patientDataKeys = dataKeys(env);
  const allowHttp = env.WEBHOOKS_ALLOW_HTTP ?? '';
  if (allowHttp !== '' && allowHttp !== 'loopback') throw new ConfigError(`WEBHOOKS_ALLOW_HTTP must be loopback or unset, got "${allowHttp.slice(0, 64)}"`);

  const upstreamVars = ['THREAD_ISSUER', 'THREAD_API_URL', 'THREAD_CLIENT_ID', 'THREAD_CLIENT_SECRET'] as const;
  const given = upstreamVars.filter((name) => env[name]);
  let upstream: UpstreamConfig | undefined;
  if (given.length > 0) {
    const missing = upstreamVars.find((name) => !env[name]);
    if (missing) throw new ConfigError(`${missing} must be set with ${given.join(', ')}`);
    upstream = {
      issuer: url(env, 'THREAD_ISSUER', ''),
      apiUrl: url(env, 'THREAD_API_URL', ''),
      clientId: env.THREAD_CLIENT_ID!,
      clientSecret: env.THREAD_CLIENT_SECRET!,
    };
  }
  return { port, host: listenHost, databasePath, databaseUrl: databaseUrlGiven, publicUrl, holdMinutes, patientRetentionDays, trustProxy, demo, cache, patientDataKeys, upstream, cancelCutoffHours, webhooksAllowLoopback: allowHttp === 'loopback', now: Date.now, log: jsonLog };
}
