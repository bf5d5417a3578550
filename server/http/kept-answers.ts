import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from 'koa';
import { takesGzip } from './compress.js';

interface KeptAnswer {
  status: number;
  /** Response headers as name, value, name, value, as Koa set them; the request id's value is each answer's own. */
  headers: string[];
  /** Where in `headers` the request id's value goes. */
  requestIdAt: number;
  body: Buffer;
  /** The data's generation it was worked out from (see read-cache.ts). */
  generation: number;
  /** The clock's time (ms) from which it may no longer be given. */
  until: number;
}

/**
 * What a kept answer may depend on: the method (GET only), the URL with its query, two
 * request headers, the API's Authorization and the BFF's Origin, and whether the client takes
 * gzip (compress.ts). A route that lets its answer be kept promises that nothing else of the
 * request changes it.
 */
const keyOf = (req: IncomingMessage) =>
  `${req.url}\n${req.headers.authorization ?? ''}\n${req.headers.origin ?? ''}\n${takesGzip(req) ? 'gzip' : ''}`;

/**
 * Answers to repeated reads, given again before Koa sees the request. A list of bookings asked
 * for again with the same token, or a first screen asked for again by the same site, is the same
 * answer until the data changes or its route's time runs out, and giving it again costs a look-up,
 * the check for changes every request makes, a request id and a log line.
 *
 * Only routes that ask (`mayKeep`) have their answers kept, only 200s of GETs, and only when the
 * data did not change while the answer was worked out. Any change to the database, from this
 * process or another, makes every kept answer stale.
 */
export function createKeptAnswers(options: {
  /** False (CACHE=off): nothing is kept. */
  enabled?: boolean;
  /** Takes in other connections' commits and returns the data's generation (see read-cache.ts). */
  refresh: () => number;
  /** The data's generation now, this process's own writes counted. */
  generation: () => number;
  now: () => number;
  /** The request's log line, as the app writes it for every other request. */
  logServed: (req: IncomingMessage, status: number, requestId: string, started: number) => void;
  newRequestId: () => string;
  maxBytes?: number;
}) {
  const { refresh, generation, now } = options;
  const maxBytes = options.maxBytes ?? 32 * 2 ** 20;
  const kept = new Map<string, KeptAnswer>();
  let bytes = 0;

  function drop(key: string): void {
    const answer = kept.get(key);
    if (!answer) return;
    kept.delete(key);
    bytes -= key.length + answer.body.length;
  }

  return {
    /** A route's word that this GET's answer may be given again, up to the clock's `until` (ms), while the data stays the same. */
    mayKeep(ctx: Context, until: number): void {
      if (options.enabled === false) return;
      ctx.state.keepUntil = Math.min((ctx.state.keepUntil as number | undefined) ?? Infinity, until);
    },

    /** A route's word that this answer is never given again from memory: each request must run its handler. */
    neverKeep(ctx: Context): void {
      ctx.state.keepUntil = -Infinity;
    },

    /** Called once the answer is final: keeps it if its route said so and no data changed since `generationAtStart`. */
    keep(ctx: Context, generationAtStart: number): void {
      const until = ctx.state.keepUntil as number | undefined;
      const body = ctx.body;
      if (until === undefined || ctx.method !== 'GET' || ctx.status !== 200 || (typeof body !== 'string' && !Buffer.isBuffer(body))) return;
      // A commit elsewhere since is seen by the next request's `refresh`, and makes this answer stale then.
      if (generation() !== generationAtStart || until <= now()) return;
      const headers: string[] = [];
      let requestIdAt = -1;
      // Node has this since 15.13; @types/node does not declare it.
      const response = ctx.res as ServerResponse & { getRawHeaderNames(): string[] };
      for (const name of response.getRawHeaderNames()) {
        const value = response.getHeader(name);
        if (value === undefined) continue;
        if (name.toLowerCase() === 'x-request-id') requestIdAt = headers.length + 1;
        for (const one of Array.isArray(value) ? value : [value]) headers.push(name, String(one));
      }
      if (requestIdAt < 0) return;
      const key = keyOf(ctx.req);
      drop(key);
      const answer: KeptAnswer = { status: 200, headers, requestIdAt, body: Buffer.isBuffer(body) ? body : Buffer.from(body), generation: generationAtStart, until };
      kept.set(key, answer);
      bytes += key.length + answer.body.length;
      for (const oldest of kept.keys()) {
        if (bytes <= maxBytes) break;
        drop(oldest);
      }
    },

    /** Writes the kept answer to this request, if there is one still good; false hands the request on. */
    serve(req: IncomingMessage, res: ServerResponse): boolean {
      if (req.method !== 'GET' || kept.size === 0) return false;
      const started = performance.now();
      const key = keyOf(req);
      const answer = kept.get(key);
      if (!answer) return false;
      if (answer.generation !== refresh() || answer.until <= now()) {
        drop(key);
        return false;
      }
      const requestId = options.newRequestId();
      const headers = answer.headers.slice();
      headers[answer.requestIdAt] = requestId;
      res.writeHead(answer.status, headers);
      res.end(answer.body);
      options.logServed(req, answer.status, requestId, started);
      return true;
    },

    /** Forgets every kept answer. */
    clear(): void {
      kept.clear();
      bytes = 0;
    },
  };
}
export type KeptAnswers = ReturnType<typeof createKeptAnswers>;
