// Input checked against the same JSON Schemas (TypeBox) that /openapi.json publishes, compiled once
// with ajv at start-up. An ajv error becomes the 400 this API has always given: naming the field,
// never echoing more than 64 characters of what was sent.
import type { Static, TSchema } from '@sinclair/typebox';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { BadRequest, type HttpError } from '../errors.js';
import type { Params } from './params.js';

// ajv-formats is CommonJS: its plugin is the default export's default under Node's ESM interop.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as typeof addFormatsModule;

/**
 * One ajv for every schema: all errors, so the first one is ours to choose (an unknown field before a
 * missing one, as the checks always named them), and each error's value (verbose) for its message.
 */
const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true });
addFormats(ajv, ['date-time', 'date', 'email', 'uri']);

/** A field's problem as the client reads it: a message, or the error to throw (a BFF one carries a reason). */
export type Problem = string | ((value: unknown) => string | HttpError);

export interface CheckOptions {
  /** What the whole input is called in messages: "body", "query". */
  what: string;
  /** By JSON pointer of the field ("/start", "/patient/email"): its message when its value is wrong. */
  problems?: Record<string, Problem>;
  /** By JSON pointer of the field: its message when it is missing. Default "<field> is required". */
  missing?: Record<string, Problem>;
  /** Errors left to a check after the schema's (the sign-up rules judge a sign-up's values, say). */
  deferred?: (error: ErrorObject) => boolean;
  /** Name the first problem in the order of the schema's fields, missing or wrong alike (default: every missing field first). */
  fieldOrder?: boolean;
  /** The message of an unknown member of the object at `path`; default "<what> has an unknown field ...". */
  unknown?: (name: string, allowed: string[], path: string) => string;
}

const clip = (text: string) => text.slice(0, 64);
const fieldName = (pointer: string) => pointer.slice(1).replace(/\//g, '.');

/**
 * Which of several errors is named: the shape of the whole first, then unknown fields, then missing
 * ones, then wrong values; or, with `fieldOrder`, missing and wrong alike in the order of the fields.
 */
function rank(error: ErrorObject, fields: string[], fieldOrder: boolean): number {
  if (error.keyword === 'type' && error.schemaPath.split('/').length <= 2) return 0;
  const depth = error.instancePath.split('/').length / 100;
  if (error.keyword === 'additionalProperties') return 1 + depth;
  if (fieldOrder) {
    const field = error.instancePath.split('/')[1] ?? (error.params as { missingProperty?: string }).missingProperty;
    return 2 + (fields.indexOf(field ?? '') + 1) / 1000;
  }
  return error.keyword === 'required' ? 2 + depth : 3;
}

function toError(problem: Problem, value: unknown): HttpError {
  const made = typeof problem === 'function' ? problem(value) : problem;
  return typeof made === 'string' ? new BadRequest(made) : made;
}

function describe(error: ErrorObject, options: CheckOptions): HttpError {
  const path = error.instancePath;
  switch (error.keyword) {
    case 'additionalProperties': {
      const name = clip(String((error.params as { additionalProperty: string }).additionalProperty));
      const allowed = Object.keys((error.parentSchema as { properties?: object }).properties ?? {});
      const message = options.unknown?.(name, allowed, path) ?? `${path ? fieldName(path) : options.what} has an unknown field "${name}"; fields are ${allowed.join(', ')}`;
      return new BadRequest(message);
    }
    case 'required': {
      const field = `${path}/${(error.params as { missingProperty: string }).missingProperty}`;
      return toError(options.missing?.[field] ?? `${fieldName(field)} is required`, undefined);
    }
    default: {
      if (error.keyword === 'type' && (error.params as { type: string }).type === 'object') return new BadRequest(`${path ? fieldName(path) : options.what} must be a JSON object`);
      // An array's item is named by its array ("/status/1" by "/status").
      let field = path;
      while (options.problems?.[field] === undefined && /\/\d+$/.test(field)) field = field.replace(/\/\d+$/, '');
      const problem = options.problems?.[field];
      if (problem !== undefined) return toError(problem, error.data);
      if (error.data === null) return new BadRequest(`${fieldName(path)} must not be null`);
      return new BadRequest(`${path ? fieldName(path) : options.what} is not valid`);
    }
  }
}

/** A check of `schema`: returns the input, typed, or throws the 400 naming the first problem. */
/** A sign-up's values under `/patient`: judged after the schema by the sign-up checks (shared/sign-up.ts), in their own words. */
export const deferPatientValues = (error: ErrorObject) =>
  error.instancePath.startsWith('/patient/') || (error.instancePath === '/patient' && error.keyword === 'required');

export function checker<T extends TSchema>(schema: T, options: CheckOptions): (input: unknown) => Static<T> {
  const validate = ajv.compile(schema);
  const fields = Object.keys((schema as { properties?: object }).properties ?? {});
  const ranked = (error: ErrorObject) => rank(error, fields, options.fieldOrder ?? false);
  return (input) => {
    if (validate(input)) return input as Static<T>;
    const errors = (validate.errors ?? []).filter((e) => !options.deferred?.(e));
    if (errors.length === 0) return input as Static<T>;
    let first = errors[0];
    for (const error of errors) if (ranked(error) < ranked(first)) first = error;
    throw describe(first, options);
  };
}

/**
 * A query string's or form's parameters as the object its schema describes: a parameter whose schema
 * is an array takes every value sent, any other its one value (sent twice is a 400 naming it), and
 * a whole number in decimal digits becomes a number where the schema asks for an integer (anything
 * else stays text, for the schema to refuse).
 */
export function paramsObject(params: Params, schema: TSchema): Record<string, unknown> {
  const properties = (schema as { properties?: Record<string, { type?: string }> }).properties ?? {};
  const out: Record<string, unknown> = {};
  let repeated: string | undefined;
  let unknown = false;
  for (const name of params.names()) {
    const known = Object.hasOwn(properties, name);
    const type = known ? properties[name].type : undefined;
    const values = params.getAll(name);
    unknown ||= !known;
    if (type === 'array') {
      out[name] = values;
      continue;
    }
    if (values.length > 1) repeated ??= name;
    out[name] = type === 'integer' && /^\d{1,15}$/.test(values[0]) ? Number(values[0]) : values[0];
  }
  // An unknown parameter is named first (by the schema), as it always was.
  if (repeated !== undefined && !unknown) throw new BadRequest(`${clip(repeated)} may be given once`);
  return out;
}
