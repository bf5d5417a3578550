// The console's calls to its server: same origin, the session cookie sent by the browser, and the
// session's CSRF token in a header on every change. Nothing is kept in storage or in the URL.
import type { AppointmentsBody, LocationsBody, MeBody, SitesBody } from '../../server/console/schemas.js';
import type { SignUp } from '../../shared/types.js';

export type { AppointmentsBody, LocationsBody, MeBody, SitesBody };
export type ConsoleLocation = LocationsBody['locations'][number];
export type Site = SitesBody['sites'][number];
export type Appointment = AppointmentsBody['appointments'][number];

/** An answer other than 2xx: its status and the server's message (which names the problem). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
/** No answer at all (offline, server down). */
export class NetworkError extends Error {}

export class ConsoleApi {
  csrfToken = '';
  /** Called when the server says the session has ended (8 idle hours, or signed out elsewhere). */
  onSessionEnded?: () => void;

  constructor(readonly base = '') {}

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method !== 'GET') headers['x-csrf-token'] = this.csrfToken;
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin', cache: 'no-store' });
    } catch (error) {
      throw new NetworkError((error as Error).message);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (response.status === 401 && path !== '/console/api/me') this.onSessionEnded?.();
    if (!response.ok) throw new ApiError(response.status, (parsed as { message?: string } | undefined)?.message ?? response.statusText);
    return parsed as T;
  }

  /** Trades a sign-in link's secret (in the body, never a URL) for the session cookie. */
  signIn(secret: string) {
    return this.call<{ practice: { id: string; name: string } }>('POST', '/console/api/session', { secret });
  }
  async me(): Promise<MeBody> {
    const me = await this.call<MeBody>('GET', '/console/api/me');
    this.csrfToken = me.csrf_token;
    return me;
  }
  signOut = () => this.call<void>('DELETE', '/console/api/session');
  locations = () => this.call<LocationsBody>('GET', '/console/api/locations');
  sites = () => this.call<SitesBody>('GET', '/console/api/sites');
  addSite = (origin: string) => this.call<Site>('POST', '/console/api/sites', { origin });
  removeSite = (origin: string) => this.call<void>('DELETE', `/console/api/sites/${encodeURIComponent(origin)}`);
  appointments = (locationId: string, cursor?: string) =>
    this.call<AppointmentsBody>('GET', `/console/api/locations/${encodeURIComponent(locationId)}/appointments${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`);
  signUp = (bookingId: string) => this.call<SignUp>('GET', `/console/api/bookings/${encodeURIComponent(bookingId)}/sign-up`);

  /**
   * The preview's widget is the real one, which calls its BFF without credentials. Its calls to the
   * console's preview BFF (and only those) go with the session cookie and the CSRF token instead, so
   * the server can tell which practice is previewing.
   */
  sendPreviewCallsWithSession(previewBase: string): void {
    const api = this;
    const original = window.fetch;
    if ((original as { previewing?: boolean }).previewing) return;
    const wrapped = (input: RequestInfo | URL, init?: RequestInit) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (!url.startsWith(`${previewBase}/`)) return original.call(window, input, init);
      const headers = new Headers(init?.headers);
      headers.set('x-csrf-token', api.csrfToken);
      return original.call(window, input, { ...init, headers, credentials: 'same-origin' });
    };
    window.fetch = Object.assign(wrapped, { previewing: true });
  }
}
