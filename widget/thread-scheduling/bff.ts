import type {
  BffReason,
  ConfirmRequest,
  ConfirmResponse,
  ErrorBody,
  ExtendRequest,
  ExtendResponse,
  HoldChallenge,
  HoldRequest,
  HoldResponse,
  ReleaseRequest,
  ScheduleResponse,
} from '../../shared/types.js';

/** The BFF answered with an error status. */
export class BffError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody | undefined,
    /** Seconds, from Retry-After, when the server sent (and exposed) it. */
    readonly retryAfter: number | null,
  ) {
    super(body?.message || `HTTP ${status}`);
  }

  get reason(): BffReason | undefined {
    return this.body?.reason;
  }
}

/** The request never got an answer (offline, DNS, CORS refused, server down). */
export class NetworkError extends Error {}

function retryAfter(response: Response): number | null {
  const value = response.headers.get('retry-after');
  if (!value) return null;
  const seconds = /^\d+$/.test(value.trim())
    ? Number(value)
    : Math.round((Date.parse(value) - Date.now()) / 1000);
  return Number.isFinite(seconds) && seconds > 0 ? seconds : null;
}

/** The widget's small JSON API, at `${origin}/bff/v1`. Nothing is cached or stored. */
export class Bff {
  constructor(readonly base: string) {}

  private async call<T>(path: string, init: RequestInit = {}): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, {
        credentials: 'omit',
        cache: 'no-store',
        ...init,
        headers: { accept: 'application/json', ...init.headers },
      });
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw error;
      throw new NetworkError((error as Error).message || 'fetch failed');
    }
    const text = await response.text().catch(() => '');
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (!response.ok) throw new BffError(response.status, body as ErrorBody | undefined, retryAfter(response));
    return body as T;
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  async schedule(locationIds: readonly string[], days: number, signal?: AbortSignal): Promise<ScheduleResponse> {
    const query = `location_ids=${locationIds.map(encodeURIComponent).join(',')}&days=${days}`;
    const schedule = await this.call<ScheduleResponse>(`/schedule?${query}`, { signal });
    if (!schedule || !Array.isArray(schedule.locations)) throw new BffError(502, undefined, null);
    return schedule;
  }

  /** Solves the location's proof of work, then holds; once more with a new challenge if the price rose meanwhile. */
  async hold(request: Omit<HoldRequest, 'challenge' | 'nonce'>, retry = true): Promise<HoldResponse> {
    const [{ challenge, bits }, { solve }] = await Promise.all([
      this.call<HoldChallenge>(`/holds/challenge?location_id=${encodeURIComponent(request.location_id)}`),
      import('./after-pick.js'),
    ]);
    try {
      return await this.post('/holds', { ...request, challenge, nonce: await solve(challenge, bits) });
    } catch (error) {
      if (!retry || !(error instanceof BffError) || !/^proof_(too_weak|expired)$/.test(error.reason ?? '')) throw error;
      return this.hold(request, false);
    }
  }

  /** A first hold is short: this lengthens it once the patient starts on the form. */
  extend(holdToken: string): Promise<ExtendResponse> {
    const body: ExtendRequest = { hold_token: holdToken };
    return this.post('/holds/extend', body);
  }

  confirm(request: ConfirmRequest): Promise<ConfirmResponse> {
    return this.post('/holds/confirm', request);
  }

  /** On page exit the request must outlive the page: keepalive, and a
   * text/plain body so that it is a simple request with no preflight. */
  async release(holdToken: string, leavingPage = false): Promise<void> {
    const body: ReleaseRequest = { hold_token: holdToken };
    if (leavingPage) {
      await fetch(`${this.base}/holds/release`, {
        method: 'POST',
        keepalive: true,
        credentials: 'omit',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify(body),
      });
    } else {
      await this.post('/holds/release', body);
    }
  }
}
