// Every parser of what a client sends (query strings, form bodies, JSON bodies) goes through
// here: each works in one pass over its input, and refuses input past these bounds before it
// does more work. A refusal is a 400 that names the bound.
import { BadRequest } from '../errors.js';

/** Parameters one query string or form body may carry. */
export const MAX_PARAMS = 100;
/** Characters in a parameter name or a JSON object's key, as sent (before percent-decoding). */
export const MAX_KEY_LENGTH = 100;
/** Characters in a parameter's value, as sent (before percent-decoding). */
export const MAX_VALUE_LENGTH = 4096;
/** Arrays and objects nested in one JSON body (a top-level object is depth 1). */
export const MAX_JSON_DEPTH = 10;
/** Keys of one JSON object, and elements of one JSON array. */
export const MAX_JSON_MEMBERS = 100;

/** Bounds are a client's mistake or an attack: a 400 naming the bound. */
export class BoundExceeded extends BadRequest {}

/** A query string or form body, parsed: each name's values in the order sent. */
export class Params {
  private readonly values = new Map<string, string[]>();
  /** The first name sent more than once, if any. */
  repeated: string | undefined;

  add(name: string, value: string): void {
    const list = this.values.get(name);
    if (list === undefined) {
      this.values.set(name, [value]);
      return;
    }
    list.push(value);
    this.repeated ??= name;
  }
  has(name: string): boolean {
    return this.values.has(name);
  }
  /** The first value of `name`; null when it is absent. */
  get(name: string): string | null {
    return this.values.get(name)?.[0] ?? null;
  }
  getAll(name: string): readonly string[] {
    return this.values.get(name) ?? [];
  }
  names(): IterableIterator<string> {
    return this.values.keys();
  }
  /** As URLSearchParams, with `name` set to `value` (to build a link to the next page). */
  with(name: string, value: string): URLSearchParams {
    const out = new URLSearchParams();
    for (const [key, list] of this.values) if (key !== name) for (const one of list) out.append(key, one);
    out.set(name, value);
    return out;
  }
}

/**
 * Percent-decoding as URLSearchParams does it (`+` is a space, a `%` not followed by two hex
 * digits stays, bytes that are not UTF-8 become U+FFFD), in one pass.
 */
function decode(text: string): string {
  if (!/[%+]/.test(text)) return text;
  const bytes = Buffer.from(text, 'utf8');
  const out = Buffer.allocUnsafe(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i += 1) {
    const byte = bytes[i];
    if (byte === 0x2b) out[n++] = 0x20;
    else if (byte === 0x25 && isHex(bytes[i + 1]) && isHex(bytes[i + 2])) {
      out[n++] = (hexValue(bytes[i + 1]) << 4) | hexValue(bytes[i + 2]);
      i += 2;
    } else out[n++] = byte;
  }
  return out.toString('utf8', 0, n);
}
const isHex = (b: number | undefined) => b !== undefined && ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66));
const hexValue = (b: number) => (b <= 0x39 ? b - 0x30 : (b | 0x20) - 0x57);

/**
 * An application/x-www-form-urlencoded text (a query string or a form body), in one pass,
 * refused as soon as it passes MAX_PARAMS, MAX_KEY_LENGTH or MAX_VALUE_LENGTH. `what` names
 * it in the error ("query", "form body").
 */
export function parseParams(text: string, what: string): Params {
  const params = new Params();
  let count = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('&', start);
    if (end < 0) end = text.length;
    if (end > start) {
      count += 1;
      if (count > MAX_PARAMS) throw new BoundExceeded(`${what} has more than ${MAX_PARAMS} parameters`);
      let equals = text.indexOf('=', start);
      if (equals < 0 || equals > end) equals = end;
      if (equals - start > MAX_KEY_LENGTH) throw new BoundExceeded(`${what} has a parameter name longer than ${MAX_KEY_LENGTH} characters`);
      const name = decode(text.slice(start, equals));
      if (end - equals - 1 > MAX_VALUE_LENGTH) {
        throw new BoundExceeded(`${what} parameter "${name}" is longer than ${MAX_VALUE_LENGTH} characters`);
      }
      params.add(name, equals < end ? decode(text.slice(equals + 1, end)) : '');
    }
    start = end + 1;
  }
  return params;
}

/**
 * Checks a JSON text against MAX_JSON_DEPTH, MAX_JSON_MEMBERS and MAX_KEY_LENGTH in one pass,
 * before it is parsed. It does not check the syntax (JSON.parse does, after): on text that is
 * not JSON it may name a bound rather than the syntax error, and either is a 400.
 */
function assertJsonBounds(text: string, what: string): void {
  // Per open container: how many members so far, and whether it is an object.
  const members: number[] = [];
  const isObject: boolean[] = [];
  let depth = 0;
  let stringStart = -1;
  let lastStringLength = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (stringStart >= 0) {
      if (c === 0x5c) i += 1; // a backslash: the next character is escaped
      else if (c === 0x22) {
        lastStringLength = i - stringStart - 1;
        stringStart = -1;
      }
      continue;
    }
    switch (c) {
      case 0x22: // "
        stringStart = i;
        if (depth > 0 && members[depth] === 0) members[depth] = 1;
        break;
      case 0x5b: // [
      case 0x7b: // {
        if (depth > 0 && members[depth] === 0) members[depth] = 1;
        depth += 1;
        if (depth > MAX_JSON_DEPTH) throw new BoundExceeded(`${what} nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`);
        members[depth] = 0;
        isObject[depth] = c === 0x7b;
        break;
      case 0x5d: // ]
      case 0x7d: // }
        depth = Math.max(0, depth - 1);
        break;
      case 0x2c: // ,
        if (depth > 0 && ++members[depth] > MAX_JSON_MEMBERS) {
          throw new BoundExceeded(`${what} has ${isObject[depth] ? 'an object with more than' : 'an array with more than'} ${MAX_JSON_MEMBERS} ${isObject[depth] ? 'keys' : 'elements'}`);
        }
        break;
      case 0x3a: // :
        if (lastStringLength > MAX_KEY_LENGTH) throw new BoundExceeded(`${what} has a key longer than ${MAX_KEY_LENGTH} characters`);
        break;
      case 0x20:
      case 0x09:
      case 0x0a:
      case 0x0d:
        break;
      default:
        // Any other value (a number, true, false, null) makes its container non-empty.
        if (depth > 0 && members[depth] === 0) members[depth] = 1;
    }
  }
}

/** A JSON text, parsed once it is known to be within the bounds. `what` names it in errors ("body"). */
export function parseJson(text: string, what: string): unknown {
  assertJsonBounds(text, what);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new BadRequest(`${what} is not valid JSON: ${(error as Error).message.slice(0, 120)}`);
  }
}
