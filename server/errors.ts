import type { BffReason, ErrorCode, FieldProblem, SignUpField } from '../shared/types.js';

/** An expected failure: thrown anywhere, turned into the JSON error body at the edge. */
export class HttpError extends Error {
  status = 500;
  code: ErrorCode = 'internal_error';
  reason?: BffReason;
  fields?: Partial<Record<SignUpField, FieldProblem>>;
  headers: Record<string, string> = {};
  get expose(): boolean {
    return this.status < 500;
  }
}

/** Tags a BFF error with the reason the widget translates. */
export function withReason<E extends HttpError>(error: E, reason: BffReason): E {
  error.reason = reason;
  return error;
}

export class BadRequest extends HttpError {
  override status = 400;
  override code = 'bad_request' as const;
}
export class Unauthorized extends HttpError {
  override status = 401;
  override code = 'unauthorized' as const;
}
export class Forbidden extends HttpError {
  override status = 403;
  override code = 'unauthorized' as const;
}
export class NotFound extends HttpError {
  override status = 404;
  override code = 'not_found' as const;
}
export class MethodNotAllowed extends HttpError {
  override status = 405;
  override code = 'method_not_allowed' as const;
}
export class Conflict extends HttpError {
  override status = 409;
  override code = 'conflict' as const;
}
export class Gone extends HttpError {
  override status = 410;
  override code = 'gone' as const;
}
export class PayloadTooLarge extends HttpError {
  override status = 413;
  override code = 'payload_too_large' as const;
}
export class UnsupportedMediaType extends HttpError {
  override status = 415;
  override code = 'unsupported_media_type' as const;
}
export class Unprocessable extends HttpError {
  override status = 422;
  override code = 'unprocessable' as const;
}
export class TooManyRequests extends HttpError {
  override status = 429;
  override code = 'too_many_requests' as const;
  constructor(message: string, retryAfterSeconds: number) {
    super(message);
    this.headers['Retry-After'] = String(Math.max(1, Math.ceil(retryAfterSeconds)));
  }
}
export class BadGateway extends HttpError {
  override status = 502;
  override code = 'bad_gateway' as const;
}
