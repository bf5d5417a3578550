// A real server on an ephemeral port over a fresh database (a SQLite file, or in npm test's PostgreSQL pass a
// PostgreSQL database: see database.ts), for tests.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { importJWK, SignJWT, type JWK } from 'jose';
import { createApp, type App } from '../../server/app.js';
import type { Config, UpstreamConfig } from '../../server/config.js';
import { createHttpServer } from '../../server/http/server.js';
import { toLowS } from '../../server/oauth/low-s.js';
import { hashSecret, newSecret } from '../../server/oauth/secrets.js';
import { databaseUrlFor } from './database.js';
import { checkResponse } from './openapi.js';

export interface TestServer {
  url: string;
  thread: App;
  /** The clock the server reads; tests move it with `clock.advance`. */
  clock: { now: number; advance(ms: number): void };
  databasePath: string;
  /** Lines the server would have logged, for tests that check what is (not) logged. */
  logs: string[];
  close(): Promise<void>;
}

export function tempDatabasePath(name = 'thread'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thread-test-'));
  return path.join(dir, `${name}.sqlite`);
}

/** Starts createApp on 127.0.0.1:0 with a fresh database unless one is given. */
export async function startServer(options: Partial<Omit<Config, 'now' | 'log'>> & { realClock?: boolean; upstream?: UpstreamConfig } = {}): Promise<TestServer> {
  const server = createHttpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const clock = {
    now: Date.now(),
    advance(ms: number) {
      clock.now += ms;
    },
  };
  const logs: string[] = [];
  const databasePath = options.databasePath ?? tempDatabasePath();
  // In npm test's PostgreSQL pass, the database that stands for this path (see database.ts).
  const databaseUrl = await databaseUrlFor(databasePath);
  const config: Config = {
    port,
    host: '127.0.0.1',
    databasePath,
    publicUrl: url,
    holdMinutes: 10,
    trustProxy: 0,
    demo: true,
    // CACHE=off npm test runs every server uncached.
    cache: process.env.CACHE !== 'off',
    patientRetentionDays: 365,
    ...(databaseUrl ? { databaseUrl } : {}),
    ...options,
    now: options.realClock ? Date.now : () => clock.now,
    log: (line) => void logs.push(JSON.stringify(line)),
  };
  const thread = await createApp(config);
  server.on('request', thread.handler);
  return {
    url,
    thread,
    clock,
    databasePath,
    logs,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await thread.close();
    },
  };
}

/** Creates a practice with a location (the time zone given), straight in the store. */
export async function addPractice(
  server: TestServer,
  practice: { id: string; name?: string },
  locations: Array<{ id: string; timezone: string; name?: string }>,
): Promise<void> {
  const { directory } = server.thread.store;
  const now = Date.now();
  await directory.createPractice({ id: practice.id, name: practice.name ?? `Practice ${practice.id}` }, now);
  for (const location of locations) {
    await directory.createLocation(
      {
        id: location.id,
        practice_id: practice.id,
        name: location.name ?? `Location ${location.id}`,
        website: '',
        street_address: '1 Main St',
        secondary_address: '',
        city: 'Springfield',
        state: 'IL',
        zip: '62701',
        timezone: location.timezone,
      },
      now,
    );
  }
}

/** Creates an API client with a fresh secret. */
export async function addClient(
  server: TestServer,
  client: { id: string; scopes: string[]; practices: '*' | string[] },
): Promise<{ id: string; secret: string }> {
  const secret = newSecret();
  await server.thread.store.clients.create(
    { id: client.id, name: client.id, secretHash: await hashSecret(secret), scopes: client.scopes, practices: client.practices },
    Date.now(),
  );
  return { id: client.id, secret };
}

/** Gets an access token the way the spec's curl does: Basic auth, form body. */
export async function getToken(url: string, client: { id: string; secret: string }, scope?: string): Promise<string> {
  const body = new URLSearchParams({ grant_type: 'client_credentials' });
  if (scope) body.set('scope', scope);
  const response = await fetch(`${url}/oauth2/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body,
  });
  const text = await response.text();
  checkResponse('POST', '/oauth2/token', { status: response.status, contentType: response.headers.get('content-type'), headers: response.headers, text });
  if (response.status !== 200) throw new Error(`token request failed: ${response.status} ${text}`);
  return (JSON.parse(text) as { access_token: string }).access_token;
}

/** A small JSON client for the booking API with a token. */
export function api(url: string, token: string) {
  return async (method: string, route: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${url}${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    checkResponse(method, route, { status: response.status, contentType: response.headers.get('content-type'), headers: response.headers, text });
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  };
}

/** Creates many API clients that share one secret: one scrypt hash for all, for tests that need many callers. */
export async function addClients(
  server: TestServer,
  clients: Array<{ id: string; scopes: string[]; practices: '*' | string[] }>,
): Promise<Array<{ id: string; secret: string }>> {
  const secret = newSecret();
  const secretHash = await hashSecret(secret);
  for (const client of clients) {
    await server.thread.store.clients.create({ id: client.id, name: client.id, secretHash, scopes: client.scopes, practices: client.practices }, Date.now());
  }
  return clients.map((c) => ({ id: c.id, secret }));
}

/**
 * An access token signed with the server's own signing key, as the token endpoint would issue it, without
 * the endpoint's deliberately slow scrypt check: for tests that need dozens of callers. The token endpoint's
 * own tokens are tested in oauth.test.ts. `times` overrides iat and exp (seconds), for tests of what the API
 * refuses. The signature is put in low-S form, as the server's own are (WebCrypto signs with either S).
 */
export async function mintToken(server: TestServer, clientId: string, scopes: string[], times?: { iat: number; exp: number }): Promise<string> {
  const [key] = await server.thread.store.keys.all();
  const privateKey = await importJWK(JSON.parse(key.private_jwk) as JWK, key.alg);
  const iat = times?.iat ?? Math.floor(server.thread.config.now() / 1000);
  const issuer = server.thread.config.publicUrl;
  const token = await new SignJWT({ scope: scopes.join(' ') })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
    .setIssuer(issuer)
    .setAudience(`${issuer}/scheduling`)
    .setSubject(clientId)
    .setIssuedAt(iat)
    .setExpirationTime(times?.exp ?? iat + 3600)
    .setJti(randomUUID())
    .sign(privateKey);
  return withSignature(token, toLowS(Buffer.from(token.slice(token.lastIndexOf('.') + 1), 'base64url')));
}

/** `token` with its signature part replaced by `signature`. */
export function withSignature(token: string, signature: Buffer): string {
  return `${token.slice(0, token.lastIndexOf('.'))}.${signature.toString('base64url')}`;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON (throws when it is not JSON). */
  json<T = any>(): T;
}

/**
 * One HTTP request with full control over what goes on the wire: raw body bytes, a chunked body sent in
 * pieces (no content-length), or the local address it comes from (any 127.x.y.z reaches a loopback server).
 */
export function request(
  url: string,
  options: {
    method?: string;
    path: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    chunks?: Array<string | Buffer>;
    localAddress?: string;
  },
): Promise<RawResponse> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: options.path, // as given: not normalized the way a URL would be
        method: options.method ?? 'GET',
        headers: options.headers,
        localAddress: options.localAddress,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            checkResponse(options.method ?? 'GET', options.path, { status: res.statusCode ?? 0, contentType: res.headers['content-type'], headers: res.headers, text });
          } catch (mismatch) {
            reject(mismatch);
            return;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
        });
      },
    );
    // The server may answer (413) and stop reading before the whole body is sent: the answer still counts.
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
    });
    if (options.chunks) {
      for (const chunk of options.chunks) req.write(chunk);
      req.end();
    } else {
      req.end(options.body);
    }
  });
}

/** The form the spec's curl sends to the token endpoint, with Basic client authentication. */
export function basic(client: { id: string; secret: string }): string {
  return `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`;
}
