import type { Context, Next } from 'koa';
import { ERROR_CODES, type ErrorBody, type ErrorCode } from '../../shared/types.js';
import { HttpError, NotFound } from '../errors.js';

function codeFor(status: number): ErrorCode {
  return (ERROR_CODES as Record<number, ErrorCode>)[status] ?? (status < 500 ? 'bad_request' : 'internal_error');
}

/** The outer middleware: every thrown error becomes the JSON error body; a stray 404 becomes the typed one. */
export async function errorBodies(ctx: Context, next: Next): Promise<void> {
  try {
    await next();
    if (ctx.status === 404 && ctx.body == null) throw new NotFound(`no such route: ${ctx.method} ${ctx.path}`);
  } catch (caught) {
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
    if (safe === 405 && error.headers && !(error instanceof HttpError)) ctx.set(error.headers as Record<string, string>);
    ctx.status = safe;
    ctx.body = body;
    if (safe >= 500) ctx.app.emit('error', error, ctx);
  }
}
