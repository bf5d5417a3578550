import type { Context } from 'koa';
import { ERROR_CODES, type ErrorBody, type ErrorCode } from '../../shared/types.js';
import { HttpError, MethodNotAllowed, NotFound } from '../errors.js';

function codeFor(status: number): ErrorCode {
  return (ERROR_CODES as Record<number, ErrorCode>)[status] ?? (status < 500 ? 'bad_request' : 'internal_error');
}

/** After the routers: a path no route took is a 404, and a method its path lacks a 405 (or 501), as typed errors. */
export function refuseUnrouted(ctx: Context): void {
  if (ctx.body == null && ctx.status === 404) throw new NotFound(`no such route: ${ctx.method} ${ctx.path}`);
  // The router answers a known path with a method it lacks (or one it does not know at all) with a bare status and an Allow header.
  if (ctx.body == null && (ctx.status === 405 || ctx.status === 501)) {
    throw new MethodNotAllowed(`${ctx.method} is not allowed here; allowed: ${ctx.response.get('Allow') || 'none'}`);
  }
}

/** Answers with the JSON error body for whatever was thrown while answering; a 5xx is also reported as an app error. */
export function answerWithError(ctx: Context, caught: unknown): void {
  const error = caught as Partial<HttpError> & Error & { status?: number; statusCode?: number };
  const status = error instanceof HttpError ? error.status : (error.status ?? error.statusCode ?? 500);
  const safe = Number.isInteger(status) && status >= 400 && status < 600 ? status : 500;
  const body: ErrorBody = {
    status: error instanceof HttpError ? error.code : codeFor(safe),
    message: safe < 500 && error.message ? error.message : 'internal error',
  };
  if (error instanceof HttpError) {
    if (error.reason) body.reason = error.reason;
    if (error.fields) body.fields = error.fields;
    ctx.set(error.headers);
  }
  ctx.status = safe;
  ctx.body = body;
  if (safe >= 500) ctx.app.emit('error', error, ctx);
}
