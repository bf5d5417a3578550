// Helpers for the practice console's tests: sign-in links made as the CLI makes them, and requests
// as the console's page makes them (its Origin, the session cookie, the CSRF token).
import { createConsoleData } from '../server/db/console.js';
import { checkResponse } from './helpers/openapi.js';
import type { TestServer } from './helpers/server.js';

export interface ConsoleAnswer<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** A sign-in link's secret for the practice, issued at `at` (default the server's clock). */
export async function consoleLink(server: TestServer, practiceId: string, at = server.thread.config.now()): Promise<string> {
  return (await server.thread.store.write((tx) => createConsoleData(tx.sql).issueLink(practiceId, at))).secret;
}

/** One request to the console's API; `origin: null` sends no Origin, `csrf: null` no token. */
export async function consoleCall<T = any>(
  server: TestServer,
  method: string,
  path: string,
  options: { body?: unknown; cookie?: string; csrf?: string | null; origin?: string | null } = {},
): Promise<ConsoleAnswer<T>> {
  const headers: Record<string, string> = {};
  const origin = options.origin === undefined ? server.url : options.origin;
  if (origin !== null) headers.origin = origin;
  if (options.cookie) headers.cookie = options.cookie;
  if (options.csrf) headers['x-csrf-token'] = options.csrf;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${server.url}${path}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  const text = await response.text();
  checkResponse(method, path, { status: response.status, contentType: response.headers.get('content-type'), headers: response.headers, text });
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

/** Signs in with a fresh link: the cookie to send back and the session's CSRF token. */
export async function signIn(server: TestServer, practiceId: string): Promise<{ cookie: string; csrf: string }> {
  const traded = await consoleCall(server, 'POST', '/console/api/session', { body: { secret: await consoleLink(server, practiceId) } });
  if (traded.status !== 201) throw new Error(`sign-in failed: ${traded.status} ${JSON.stringify(traded.body)}`);
  const cookie = traded.headers.get('set-cookie')!.split(';')[0];
  const me = await consoleCall(server, 'GET', '/console/api/me', { cookie });
  return { cookie, csrf: me.body.csrf_token };
}
