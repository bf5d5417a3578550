// Every answer a test receives through the shared HTTP helpers is checked against /openapi.json:
// its status must be one the operation documents, its content type one documented for that
// status, its body valid against that schema, its required headers there. A mismatch throws,
// so the test fails: the server or the document is wrong.
import assert from 'node:assert/strict';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { openApiDocument } from '../../server/openapi/document.js';

const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as typeof addFormatsModule;

type Json = Record<string, any>;
const DOCUMENT_ID = 'https://thread.test/openapi.json';

/** The URL the document below names; a server's own names its PUBLIC_URL instead, and is otherwise the same. */
export const DOCUMENT_URL = 'https://thread.example';
/** The document as the server builds it. */
export const document: Json = openApiDocument(DOCUMENT_URL);

/** `#/components/...` made absolute, so a schema compiled on its own still finds the components. */
function absolute(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(absolute);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? DOCUMENT_ID + v : absolute(v)]));
}

const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
ajv.addSchema({ $id: DOCUMENT_ID, components: absolute(document.components) });
const compiled = new Map<unknown, ValidateFunction>();
function validatorOf(schema: unknown): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) compiled.set(schema, (validate = ajv.compile(absolute(schema) as object)));
  return validate;
}

/** Path templates, the most literal first: /bff/v1/holds/extend before a template that would also match it. */
const templates = Object.keys(document.paths)
  .map((template) => ({ template, pattern: new RegExp(`^${template.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`), params: (template.match(/\{/g) ?? []).length }))
  .sort((a, b) => a.params - b.params);

/** The path template a request path (query and all) falls under; undefined for a path the API does not have. */
export function templateOf(path: string): string | undefined {
  const bare = path.split('?')[0];
  return templates.find((t) => t.pattern.test(bare))?.template;
}

const resolve = (item: Json): Json => (typeof item.$ref === 'string' ? resolve(item.$ref.slice(2).split('/').reduce((node: Json, key: string) => node[key], document)) : item);

export interface CheckedResponse {
  status: number;
  /** The Content-Type header, if any. */
  contentType: string | null | undefined;
  /** Header names in lower case. */
  headers: Record<string, unknown> | Headers;
  text: string;
}

const headerOf = (headers: CheckedResponse['headers'], name: string) => (headers instanceof Headers ? headers.get(name) : headers[name.toLowerCase()]);

/** Which response of the document an answer falls under: the operation's, or the generic error's for a path or method it lacks. */
function documented(method: string, path: string, status: number): { where: string; response: Json } {
  const template = templateOf(path);
  const where = `${method} ${template ?? path} ${status}`;
  const generic = () => {
    const response = (document.components.responses as Json)[`E${status}`];
    assert.ok(response, `${where}: no error response documented for ${status}`);
    return { where, response: resolve(response) };
  };
  if (template === undefined) {
    assert.ok(status >= 400, `${where}: a path the document does not have answered ${status}`);
    return generic();
  }
  const operation = document.paths[template][method.toLowerCase()];
  if (operation === undefined) {
    // A method the path does not take: 405, or a request refused before routing (malformed, throttled).
    assert.ok([405, 400, 413, 429].includes(status), `${where}: a method the document does not give this path answered ${status}`);
    return generic();
  }
  const response = operation.responses[String(status)] ?? operation.responses.default;
  assert.ok(response, `${where}: status ${status} is not documented for ${method} ${template} (documented: ${Object.keys(operation.responses).join(', ')})`);
  return { where, response: resolve(response) };
}

/** Throws (failing the test) when the answer does not match the document. */
export function checkResponse(method: string, path: string, answer: CheckedResponse): void {
  const upper = method.toUpperCase();
  const { where, response } = documented(upper === 'HEAD' ? 'GET' : upper, path, answer.status);
  for (const [name, header] of Object.entries((response.headers ?? {}) as Json)) {
    if (resolve(header).required) assert.ok(headerOf(answer.headers, name), `${where}: the ${name} header is missing`);
  }
  if (upper === 'HEAD' || answer.status === 304) return;
  const content = response.content as Json | undefined;
  if (!content) {
    assert.equal(answer.text, '', `${where}: documented without a body, answered ${answer.text.slice(0, 200)}`);
    return;
  }
  const type = (answer.contentType ?? '').split(';')[0].trim().toLowerCase();
  assert.ok(type in content, `${where}: content type "${type}" is not documented (documented: ${Object.keys(content).join(', ')})`);
  if (type !== 'application/json') return;
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    assert.fail(`${where}: the body is not JSON: ${answer.text.slice(0, 200)}`);
  }
  const validate = validatorOf(content[type].schema);
  assert.ok(validate(body), `${where}: the body does not match the document: ${ajv.errorsText(validate.errors)}\n${answer.text.slice(0, 500)}`);
}
