// GET /openapi.json: the OpenAPI 3.1 document of the booking API, the token endpoint and the BFF,
// built once at start-up from the schemas the routes check their input with (api/schemas.ts,
// bff/schemas.ts, oauth/schemas.ts), so the two cannot drift apart.
import { Type, type TSchema } from '@sinclair/typebox';
import * as api from '../api/schemas.js';
import * as bff from '../bff/schemas.js';
import * as consoleApi from '../console/schemas.js';
import { ErrorBody, Id } from '../http/schemas.js';
import * as oauth from '../oauth/schemas.js';
import { SCOPES } from '../oauth/tokens.js';
import * as hooks from '../api/webhook-schemas.js';
import { RETRY_AFTER_MS, WEBHOOK_EVENT_TEXT, WEBHOOK_EVENT_TYPES } from '../webhooks/events.js';

type Json = Record<string, unknown>;

/** Schemas with a name in components.schemas; anywhere else they appear, a $ref stands for them. */
const COMPONENTS: Record<string, TSchema> = {
  Error: ErrorBody,
  Booking: api.Booking,
  NewBooking: api.NewBookingBody,
  BookingChange: api.BookingChangeBody,
  ClosedBooking: api.ClosedBooking,
  Practice: api.Practice,
  Location: api.Location,
  SignUp: api.SignUp,
  SignUpInput: api.SignUpInput,
  TokenRequest: oauth.TokenForm,
  TokenResponse: oauth.TokenResponse,
  OAuthError: oauth.OAuthErrorBody,
  AuthorizationServerMetadata: oauth.Discovery,
  JWKS: oauth.Jwks,
  Slot: bff.Slot,
  ScheduleLocation: bff.ScheduleLocation,
  ScheduleResponse: bff.ScheduleResponse,
  HoldChallenge: bff.HoldChallenge,
  HoldRequest: bff.HoldRequest,
  HoldResponse: bff.HoldResponse,
  HoldTokenRequest: bff.HoldTokenRequest,
  ExtendResponse: bff.ExtendResponse,
  ReleaseResponse: bff.ReleaseResponse,
  ConfirmRequest: bff.ConfirmRequest,
  ConfirmResponse: bff.ConfirmResponse,
  WebhookEndpointInput: hooks.WebhookEndpointInput,
  WebhookEndpoint: hooks.WebhookEndpoint,
  NewWebhookEndpoint: hooks.NewWebhookEndpoint,
  DeletedWebhookEndpoint: hooks.DeletedWebhookEndpoint,
  ManageRequest: bff.ManageRequest,
  ManageCancelRequest: bff.ManageCancelRequest,
  ManageMoveRequest: bff.ManageMoveRequest,
  ManageView: bff.ManageView,
  ManageCancelResponse: bff.ManageCancelResponse,
  ConsoleSessionRequest: consoleApi.SessionRequest,
  ConsoleSession: consoleApi.SessionResponse,
  ConsoleMe: consoleApi.Me,
  ConsoleLocation: consoleApi.ConsoleLocation,
  ConsoleLocations: consoleApi.Locations,
  ConsoleSite: consoleApi.Site,
  ConsoleSites: consoleApi.Sites,
  ConsoleNewSite: consoleApi.NewSite,
  ConsoleAppointment: consoleApi.Appointment,
  ConsoleAppointments: consoleApi.Appointments,
  Health: Type.Object({ status: Type.Literal('ok') }, { additionalProperties: false, title: 'Health' }),
  Readiness: Type.Object({ status: Type.Union([Type.Literal('ready'), Type.Literal('stopping')]) }, { additionalProperties: false, title: 'Readiness' }),
};
const byTitle = new Map(Object.entries(COMPONENTS).map(([name, schema]) => [schema.title as string, name]));

/** A schema as plain JSON (TypeBox's symbols gone), with named schemas inside it as $refs. */
function plain(schema: unknown, top = true): unknown {
  if (Array.isArray(schema)) return schema.map((item) => plain(item, false));
  if (typeof schema !== 'object' || schema === null) return schema;
  const title = (schema as Json).title;
  if (!top && typeof title === 'string' && byTitle.has(title)) {
    const described = (schema as Json).description;
    // A $ref may carry a description of its own in 3.1: where the use says more than the schema.
    return { $ref: `#/components/schemas/${byTitle.get(title)}`, ...(described !== COMPONENTS[byTitle.get(title)!].description && described ? { description: described } : {}) };
  }
  const out: Json = {};
  for (const [key, value] of Object.entries(schema)) out[key] = key === 'properties' ? Object.fromEntries(Object.entries(value as Json).map(([k, v]) => [k, plain(v, false)])) : plain(value, false);
  return out;
}
const ref = (name: keyof typeof COMPONENTS) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ 'application/json': { schema } });

// ---------------------------------------------------------------- errors

const ERROR_RESPONSES: Record<string, string> = {
  400: 'The request is malformed: a field, parameter, header or body the message names (or a bound of them passed)',
  401: 'No access token, or one that is invalid, expired or of a revoked client (the console: no live session)',
  403: "Not allowed: a scope the token lacks, or a practice or location not granted (the console: a change without its CSRF token or from another Origin)",
  404: 'No such thing, or one this client may not see',
  405: 'The path does not take this method; Allow names the ones it takes',
  409: 'It conflicts with the current state: a doctor already booked then, a booking changed meanwhile, a time just taken',
  410: 'Gone: the hold has expired',
  413: 'The body is larger than 100 KB',
  415: 'The content type is not the one this takes',
  422: 'Well-formed, but not what this booking allows now',
  429: 'Too many requests from this address (or too many malformed ones): wait Retry-After seconds',
  500: 'A fault of the server; the message says no more',
  502: "The BFF's upstream booking API did not answer",
};
const RETRY_AFTER = { description: 'Seconds to wait', required: true, schema: Type.Integer({ minimum: 1 }) };
const errorResponse = (status: string) => ({
  description: ERROR_RESPONSES[status],
  ...(status === '429' ? { headers: { 'Retry-After': { $ref: '#/components/headers/RetryAfter' } } } : {}),
  ...(status === '401' ? { headers: { 'WWW-Authenticate': { schema: { type: 'string' }, description: 'Bearer realm="thread"' } } } : {}),
  ...(status === '405' ? { headers: { Allow: { schema: { type: 'string' }, description: 'The methods the path takes' } } } : {}),
  content: json(ref('Error')),
});
const errors = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [String(s), { $ref: `#/components/responses/E${s}` }]));
/** What any request may be answered: refused for its address's malformed requests, or a fault. */
const ANY = [429, 500];

// ---------------------------------------------------------------- parameters and bodies

const pathId = (description: string) => ({ name: 'id', in: 'path', required: true, description, schema: Id });
/** Query parameters from the properties of a query schema. */
function queryParameters(schema: TSchema) {
  const required = (schema as { required?: string[] }).required ?? [];
  return Object.entries((schema as unknown as { properties: Record<string, Json> }).properties).map(([name, property]) => ({
    name,
    in: 'query',
    required: required.includes(name),
    ...(property.description ? { description: property.description } : {}),
    ...(property.type === 'array' ? { style: 'form', explode: true } : {}),
    schema: plain(property, false),
  }));
}
const body = (name: keyof typeof COMPONENTS, description?: string, types = ['application/json']) => ({
  required: true,
  ...(description ? { description } : {}),
  content: Object.fromEntries(types.map((type) => [type, { schema: ref(name) }])),
});
const answer = (description: string, schema: unknown, headers?: Json) => ({ description, ...(headers ? { headers } : {}), content: json(schema) });

// ---------------------------------------------------------------- the booking API

const read = [{ oauth2: ['scheduling:read'] }, { bearer: [] }];
const scheduling = (operation: Json, scope: string[] | undefined, statuses: number[]) => ({
  tags: ['Booking API'],
  ...operation,
  ...(scope ? { security: [{ oauth2: scope }, { bearer: [] }] } : { security: read }),
  responses: { ...(operation.responses as Json), ...errors(...statuses, 401, 403, ...ANY) },
});
const listOperation = (of: 'practice' | 'location') =>
  scheduling(
    {
      operationId: `list${of === 'practice' ? 'Practice' : 'Location'}Bookings`,
      summary: `The bookings of a ${of}, by start then id, a page at a time`,
      parameters: [pathId(`The ${of}'s id`), ...queryParameters(api.ListQuery)],
      responses: {
        200: answer('A page of bookings (a bare array)', { type: 'array', items: ref('Booking') }, {
          Link: { description: 'The next page, rel="next", when there is one', schema: { type: 'string' } },
        }),
      },
    },
    ['scheduling:read'],
    [400, 404],
  );
const bookingLocation = { Location: { description: 'The URL of the booking', schema: { type: 'string', format: 'uri' } } };

const bookingPaths = {
  '/scheduling/practices': {
    get: scheduling({ operationId: 'listPractices', summary: 'The practices this client was granted, with their locations', responses: { 200: answer('Practices', { type: 'array', items: ref('Practice') }) } }, ['scheduling:read'], []),
  },
  '/scheduling/locations': {
    get: scheduling({ operationId: 'listLocations', summary: "The locations of this client's practices", responses: { 200: answer('Locations', { type: 'array', items: ref('Location') }) } }, ['scheduling:read'], []),
  },
  '/scheduling/practices/{id}/bookings': { get: listOperation('practice') },
  '/scheduling/locations/{id}/bookings': { get: listOperation('location') },
  '/scheduling/bookings': {
    post: scheduling(
      {
        operationId: 'createBooking',
        summary: 'Creates a booking (one-off, or weekly with recurring)',
        parameters: [
          {
            name: 'Idempotency-Key',
            in: 'header',
            required: false,
            description: 'The same key and body give the same booking again (201, Idempotent-Replayed: true); the same key with another body is 422',
            schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,255}$' },
          },
        ],
        requestBody: body('NewBooking'),
        responses: {
          201: answer('Created', ref('Booking'), { ...bookingLocation, 'Idempotent-Replayed': { description: '"true" when answered from an earlier request with the same key', schema: { type: 'string' } } }),
        },
      },
      ['scheduling:write'],
      [400, 409, 413, 415, 422],
    ),
  },
  '/scheduling/bookings/{id}': {
    get: scheduling({ operationId: 'getBooking', summary: 'One booking', parameters: [pathId("The booking's id")], responses: { 200: answer('The booking', ref('Booking')) } }, ['scheduling:read'], [400, 404]),
    put: {
      ...scheduling(
        {
          operationId: 'changeBooking',
          summary: 'Changes a booking: its creator any field; a scheduling:book client the patient flow (hold, release, book with a sign-up)',
          description: "Holding one week of a weekly booking (status pending with that week's start) creates a one-off stand-in booking for it: 201 with it.",
          parameters: [pathId("The booking's id")],
          requestBody: body('BookingChange'),
          responses: { 200: answer('The booking as changed', ref('Booking')), 201: answer("A week of a weekly booking held: the one-off booking standing in for it", ref('Booking'), bookingLocation) },
        },
        undefined,
        [400, 404, 409, 413, 415, 422],
      ),
      security: [{ oauth2: ['scheduling:write'] }, { oauth2: ['scheduling:book'] }, { bearer: [] }],
    },
    delete: scheduling(
      { operationId: 'closeBooking', summary: 'Closes a booking (and deletes its sign-up)', parameters: [pathId("The booking's id")], responses: { 200: answer('Closed', ref('ClosedBooking')) } },
      ['scheduling:write'],
      [400, 404, 409],
    ),
  },
  '/scheduling/bookings/{id}/patient': {
    get: scheduling(
      { operationId: 'getSignUp', summary: "The patient's sign-up of a booked booking; every read is audited", parameters: [pathId("The booking's id")], responses: { 200: answer('The sign-up', ref('SignUp')) } },
      ['scheduling:patients'],
      [400, 404],
    ),
  },
};

// ---------------------------------------------------------------- webhooks

const endpointId = pathId("The webhook endpoint's id");
const webhookPaths = {
  '/scheduling/webhooks': {
    get: scheduling({ operationId: 'listWebhookEndpoints', summary: "This client's webhook endpoints, with each one's last delivery", responses: { 200: answer('Endpoints', { type: 'array', items: ref('WebhookEndpoint') }) } }, ['scheduling:write'], []),
    post: scheduling(
      {
        operationId: 'createWebhookEndpoint',
        summary: 'Subscribes a URL to booking events of the practices this client was granted',
        description: 'The answer carries the signing secret, shown this once only. At most 10 endpoints per client (409 past that).',
        requestBody: body('WebhookEndpointInput'),
        responses: { 201: answer('Created', ref('NewWebhookEndpoint')) },
      },
      ['scheduling:write'],
      [400, 409, 413, 415],
    ),
  },
  '/scheduling/webhooks/{id}': {
    get: scheduling({ operationId: 'getWebhookEndpoint', summary: 'One of this client\'s webhook endpoints', parameters: [endpointId], responses: { 200: answer('The endpoint', ref('WebhookEndpoint')) } }, ['scheduling:write'], [400, 404]),
    delete: scheduling(
      { operationId: 'deleteWebhookEndpoint', summary: 'Deletes an endpoint; deliveries still due to it are dropped', parameters: [endpointId], responses: { 200: answer('Deleted', ref('DeletedWebhookEndpoint')) } },
      ['scheduling:write'],
      [400, 404],
    ),
  },
  '/scheduling/webhooks/{id}/enable': {
    post: scheduling(
      {
        operationId: 'enableWebhookEndpoint',
        summary: 'Re-enables an endpoint disabled after failed deliveries',
        description: 'Deliveries start again with the next change; events from before (given up, or missed while disabled) are not sent. Enabling a live endpoint changes nothing.',
        parameters: [endpointId],
        responses: { 200: answer('The endpoint', ref('WebhookEndpoint')) },
      },
      ['scheduling:write'],
      [400, 404],
    ),
  },
};

const hours = (ms: number) => (ms >= 3_600_000 ? `${ms / 3_600_000} h` : ms >= 60_000 ? `${ms / 60_000} min` : `${ms / 1000} s`);
const WEBHOOK_HEADERS = [
  { name: 'webhook-id', in: 'header', required: true, description: 'The same on every retry of this event to this endpoint: skip one already handled', schema: { type: 'string' } },
  { name: 'webhook-timestamp', in: 'header', required: true, description: 'When this attempt was sent, in seconds since the epoch: refuse one far from now', schema: { type: 'string', pattern: '^[0-9]+$' } },
  {
    name: 'webhook-signature',
    in: 'header',
    required: true,
    description: 'v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>" under the base64-decoded part of the secret after whsec_> (Standard Webhooks)',
    schema: { type: 'string' },
  },
];
/** The `webhooks` section: what each event POSTs to a subscribed endpoint. */
const webhooksSection = Object.fromEntries(
  WEBHOOK_EVENT_TYPES.map((type) => [
    type,
    {
      post: {
        tags: ['Webhooks'],
        operationId: `webhook${type.replace(/^booking\./, '').replace(/^./, (c) => c.toUpperCase())}`,
        summary: WEBHOOK_EVENT_TEXT[type],
        description:
          'Sent to each endpoint subscribed to it, of each client granted the booking\'s practice, whoever made the change; never any patient data. ' +
          `At least once: any 2xx within 10 s acknowledges it; redirects are not followed; otherwise it is sent again after ${RETRY_AFTER_MS.map(hours).join(', ')} (each ±10%), ` +
          'then the endpoint is disabled. One at a time per endpoint, in the order of the changes (a retry aside).',
        parameters: WEBHOOK_HEADERS,
        requestBody: { required: true, content: json(plain(hooks.webhookEvent(type))) },
        responses: { '2XX': { description: 'Received' }, default: { description: 'Anything else (or no answer within 10 s): sent again later' } },
      },
    },
  ]),
);

// ---------------------------------------------------------------- OAuth

const oauthPaths = (publicUrl: string) => ({
  '/oauth2/token': {
    post: {
      tags: ['OAuth 2.0'],
      operationId: 'token',
      summary: 'An access token for a client (client credentials grant, RFC 6749 §4.4)',
      description: 'Client authentication by HTTP Basic (client_secret_basic) or client_id and client_secret in the form (client_secret_post). Repeated failures from an address or for a client id are slowed, then refused with 429.',
      security: [{ basic: [] }, {}],
      requestBody: body('TokenRequest', undefined, ['application/x-www-form-urlencoded']),
      responses: {
        200: answer('The access token', ref('TokenResponse'), { 'Cache-Control': { schema: { const: 'no-store' } } }),
        400: answer('invalid_request, unsupported_grant_type or invalid_scope', ref('OAuthError')),
        401: answer('invalid_client', ref('OAuthError'), { 'WWW-Authenticate': { schema: { type: 'string' }, description: 'Basic realm="thread"' } }),
        413: { $ref: '#/components/responses/E413' },
        429: {
          description: 'Too many failed attempts (an OAuth error) or malformed requests (the error body)',
          headers: { 'Retry-After': { $ref: '#/components/headers/RetryAfter' } },
          content: json({ anyOf: [ref('OAuthError'), ref('Error')] }),
        },
        500: { $ref: '#/components/responses/E500' },
      },
    },
  },
  '/.well-known/oauth-authorization-server': { get: metadata('authorizationServerMetadata', 'RFC 8414 authorization server metadata', publicUrl) },
  '/.well-known/openid-configuration': { get: metadata('openidConfiguration', 'The same metadata, where OpenID clients look for it', publicUrl) },
  '/.well-known/jwks.json': {
    get: { tags: ['OAuth 2.0'], operationId: 'jwks', summary: 'The public keys access tokens are signed with (ES256)', security: [], responses: { 200: answer('JWKS', ref('JWKS')), ...errors(...ANY) } },
  },
});
function metadata(operationId: string, summary: string, publicUrl: string) {
  return { tags: ['OAuth 2.0'], operationId, summary, description: `The token endpoint is ${publicUrl}/oauth2/token.`, security: [], responses: { 200: answer('Metadata', ref('AuthorizationServerMetadata')), ...errors(...ANY) } };
}

// ---------------------------------------------------------------- the BFF

const ORIGIN = { name: 'Origin', in: 'header', required: false, description: 'The web site asking: a site registered for the practice (none: this server\'s own page)', schema: { type: 'string' } };
const bffOperation = (operation: Json, statuses: number[]) => ({
  tags: ['Widget BFF'],
  security: [],
  ...operation,
  parameters: [ORIGIN, ...((operation.parameters as unknown[]) ?? [])],
  responses: { ...(operation.responses as Json), ...errors(...statuses, 403, 502, ...ANY) },
});
const preflight = {
  tags: ['Widget BFF'],
  operationId: undefined as string | undefined,
  summary: 'CORS preflight: approved for a registered site only',
  security: [],
  parameters: [ORIGIN],
  responses: { 204: { description: 'Approved: Access-Control-Allow-* headers' }, ...errors(403, ...ANY) },
};
const withPreflight = (path: string, item: Json) => ({ ...item, options: { ...preflight, operationId: `preflight${path.replace(/[^A-Za-z]/g, '')}` } });

const bffPaths = {
  '/bff/v1/schedule': withPreflight('/schedule', {
    get: bffOperation({ operationId: 'schedule', summary: 'The open times of locations, for the widget', parameters: queryParameters(bff.ScheduleQuery), responses: { 200: answer('The schedule', ref('ScheduleResponse')) } }, [400, 404]),
  }),
  '/bff/v1/holds/challenge': withPreflight('/holds/challenge', {
    get: bffOperation({ operationId: 'holdChallenge', summary: 'The proof of work a hold at a location needs', parameters: queryParameters(bff.ChallengeQuery), responses: { 200: answer('A challenge', ref('HoldChallenge')) } }, [400, 404]),
  }),
  '/bff/v1/holds': withPreflight('/holds', {
    post: bffOperation({ operationId: 'hold', summary: 'Holds a time of the schedule for a short while', requestBody: body('HoldRequest'), responses: { 201: answer('Held', ref('HoldResponse')) } }, [400, 404, 409, 413, 415]),
  }),
  '/bff/v1/holds/extend': withPreflight('/holds/extend', {
    post: bffOperation({ operationId: 'extendHold', summary: 'Lengthens a hold', requestBody: body('HoldTokenRequest'), responses: { 200: answer('Extended', ref('ExtendResponse')) } }, [400, 404, 409, 410, 413, 415]),
  }),
  '/bff/v1/holds/release': withPreflight('/holds/release', {
    post: bffOperation(
      {
        operationId: 'releaseHold',
        summary: 'Gives a hold up (also as text/plain, for fetch keepalive on page exit)',
        requestBody: body('HoldTokenRequest', undefined, ['application/json', 'text/plain']),
        responses: { 200: answer('Released, or booked already', ref('ReleaseResponse')) },
      },
      [400, 404, 413, 415],
    ),
  }),
  '/bff/v1/holds/confirm': withPreflight('/holds/confirm', {
    post: bffOperation(
      {
        operationId: 'confirmHold',
        summary: "Books a held time with the patient's sign-up",
        description: 'A sign-up the rules refuse is 422 with reason invalid_fields and the problem of each field in fields.',
        requestBody: body('ConfirmRequest'),
        responses: { 200: answer('Booked', ref('ConfirmResponse')) },
      },
      [400, 404, 409, 410, 413, 415, 422],
    ),
  }),
  '/bff/v1/manage': withPreflight('/manage', {
    post: bffOperation(
      {
        operationId: 'manageView',
        summary: "A booked appointment by its manage link's secret: where, when, whether it can still change, and the open times it may move to",
        description: 'An unknown, spent or lapsed secret is 404 with reason manage_not_found, and says nothing more. Never carries patient data.',
        requestBody: body('ManageRequest'),
        responses: { 200: answer('The appointment', ref('ManageView')) },
      },
      [400, 404, 413, 415],
    ),
  }),
  '/bff/v1/manage/cancel': withPreflight('/manage/cancel', {
    post: bffOperation(
      {
        operationId: 'manageCancel',
        summary: 'Cancels the appointment: its time is offered again, its sign-up deleted, and the link spent',
        description: 'From CANCEL_CUTOFF_HOURS before the start: 409 with reason past_cutoff.',
        requestBody: body('ManageCancelRequest'),
        responses: { 200: answer('Cancelled', ref('ManageCancelResponse')) },
      },
      [400, 404, 409, 413, 415],
    ),
  }),
  '/bff/v1/manage/move': withPreflight('/manage/move', {
    post: bffOperation(
      {
        operationId: 'manageMove',
        summary: 'Moves the appointment to another open time of its location, all or nothing; the link then stands for the new time',
        description: 'From CANCEL_CUTOFF_HOURS before the start: 409 with reason past_cutoff. A time no longer open: 409 slot_taken.',
        requestBody: body('ManageMoveRequest'),
        responses: { 200: answer('Moved', ref('ManageView')) },
      },
      [400, 404, 409, 413, 415],
    ),
  }),
};

// ---------------------------------------------------------------- the server itself

const text = (type: string, description: string) => ({ description, content: { [type]: { schema: { type: 'string' } } } });
const serverPaths = {
  '/healthz': { get: { tags: ['Operations'], operationId: 'health', summary: 'The process answers', security: [], responses: { 200: answer('Up', ref('Health')), ...errors(...ANY) } } },
  '/readyz': {
    get: {
      tags: ['Operations'],
      operationId: 'readiness',
      summary: 'Whether to send it work: 503 once it is stopping',
      security: [],
      responses: { 200: answer('Ready', ref('Readiness')), 503: answer('Stopping', ref('Readiness')), ...errors(...ANY) },
    },
  },
  '/openapi.json': { get: { tags: ['Operations'], operationId: 'openapi', summary: 'This document', security: [], responses: { 200: { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } }, ...errors(...ANY) } } },
  '/widget.js': {
    get: { tags: ['Widget'], operationId: 'widgetScript', summary: 'The <thread-scheduling> widget', security: [], responses: { 200: text('text/javascript', 'The script'), 304: { description: 'Not modified (ETag)' }, 503: text('text/javascript', 'Not built on this server'), ...errors(...ANY) } },
  },
  '/': { get: { tags: ['Widget'], operationId: 'demoPage', summary: 'The demo page (with DEMO on)', security: [], responses: { 200: text('text/html', 'The page'), 304: { description: 'Not modified (ETag)' }, ...errors(404, ...ANY) } } },
  '/manage': { get: { tags: ['Widget'], operationId: 'managePage', summary: "The page a manage link opens (PUBLIC_URL/manage#<secret>): the widget, managing that appointment", security: [], responses: { 200: text('text/html', 'The page'), 304: { description: 'Not modified (ETag)' }, ...errors(...ANY) } } },
  '/manage.css': { get: { tags: ['Widget'], operationId: 'manageCss', summary: "The manage page's style sheet", security: [], responses: { 200: text('text/css', 'The style sheet'), 304: { description: 'Not modified (ETag)' }, ...errors(...ANY) } } },
  '/demo.css': { get: { tags: ['Widget'], operationId: 'demoCss', summary: "The demo page's style sheet", security: [], responses: { 200: text('text/css', 'The style sheet'), 304: { description: 'Not modified (ETag)' }, ...errors(404, ...ANY) } } },
};

// ---------------------------------------------------------------- the practice console

const consoleSession = [{ consoleSession: [] }];
const CSRF = { name: 'X-CSRF-Token', in: 'header', required: true, description: 'The csrf_token of GET /console/api/me', schema: { type: 'string' } };
const consoleOperation = (operation: Json, statuses: number[], options: { change?: boolean; open?: boolean } = {}) => ({
  tags: ['Practice console'],
  security: options.open ? [] : consoleSession,
  ...operation,
  ...(options.change && !options.open ? { parameters: [CSRF, ...((operation.parameters as unknown[]) ?? [])] } : {}),
  responses: { ...(operation.responses as Json), ...errors(...statuses, ...(options.open ? [] : [401]), ...(options.change ? [403] : []), ...ANY) },
});
const noContent = (description: string) => ({ description });
const consolePaths = {
  '/console': {
    get: { tags: ['Practice console'], operationId: 'consolePage', summary: 'The console page', security: [], responses: { 200: text('text/html', 'The page'), 304: { description: 'Not modified (ETag)' }, 503: text('text/plain', 'Not built on this server'), ...errors(...ANY) } },
  },
  '/console/console.js': {
    get: { tags: ['Practice console'], operationId: 'consoleScript', summary: "The console's script", security: [], responses: { 200: text('text/javascript', 'The script'), 304: { description: 'Not modified (ETag)' }, ...errors(404, ...ANY) } },
  },
  '/console/console.css': {
    get: { tags: ['Practice console'], operationId: 'consoleCss', summary: "The console page's style sheet", security: [], responses: { 200: text('text/css', 'The style sheet'), 304: { description: 'Not modified (ETag)' }, ...errors(404, ...ANY) } },
  },
  '/console/api/session': {
    post: consoleOperation(
      {
        operationId: 'consoleSignIn',
        summary: 'Trades a sign-in link (once, within 15 minutes) for the session cookie',
        description: 'Sets thread_console (HttpOnly; SameSite=Strict; Path=/console; Secure unless on localhost). 409: the link was used; 410: it expired; 404: no such link.',
        requestBody: body('ConsoleSessionRequest'),
        responses: { 201: answer('Signed in', ref('ConsoleSession')) },
      },
      [400, 404, 409, 410, 413, 415],
      { change: true, open: true },
    ),
    delete: consoleOperation({ operationId: 'consoleSignOut', summary: 'Signs out: the session ends for every process', responses: { 204: noContent('Signed out') } }, [], { change: true }),
  },
  '/console/api/me': {
    get: consoleOperation({ operationId: 'consoleMe', summary: "The session's practice and CSRF token", responses: { 200: answer('The session', ref('ConsoleMe')) } }, []),
  },
  '/console/api/locations': {
    get: consoleOperation({ operationId: 'consoleLocations', summary: "The practice's locations", responses: { 200: answer('Locations', ref('ConsoleLocations')) } }, []),
  },
  '/console/api/sites': {
    get: consoleOperation({ operationId: 'consoleSites', summary: "The practice's registered web sites", responses: { 200: answer('Sites', ref('ConsoleSites')) } }, []),
    post: consoleOperation(
      { operationId: 'consoleAddSite', summary: 'Registers a web site (checked as thread sites create checks it)', requestBody: body('ConsoleNewSite'), responses: { 201: answer('Registered', ref('ConsoleSite')) } },
      [400, 409, 413, 415],
      { change: true },
    ),
  },
  '/console/api/sites/{origin}': {
    delete: consoleOperation(
      {
        operationId: 'consoleRemoveSite',
        summary: 'Removes a registered web site of the practice',
        parameters: [{ name: 'origin', in: 'path', required: true, description: 'The origin, URL-encoded', schema: { type: 'string' } }],
        responses: { 204: noContent('Removed') },
      },
      [404],
      { change: true },
    ),
  },
  '/console/api/locations/{id}/appointments': {
    get: consoleOperation(
      {
        operationId: 'consoleAppointments',
        summary: "A location's upcoming booked appointments, a page at a time",
        parameters: [pathId('A location of the practice'), ...queryParameters(consoleApi.AppointmentsQuery)],
        responses: { 200: answer('Appointments', ref('ConsoleAppointments')) },
      },
      [400, 404],
    ),
  },
  '/console/api/bookings/{id}/sign-up': {
    get: consoleOperation(
      { operationId: 'consoleSignUp', summary: "A booked appointment's sign-up (audited, as in the API)", parameters: [pathId('A booking of the practice')], responses: { 200: answer('The sign-up', ref('SignUp')) } },
      [400, 404],
    ),
  },
  '/console/preview/bff/v1/schedule': {
    get: consoleOperation(
      {
        operationId: 'consolePreviewSchedule',
        summary: "The BFF's schedule for the console's live preview: the session's practice stands for the site",
        description: 'The whole BFF (/bff/v1/...) is served again under /console/preview for the preview, with the session (and, for changes, X-CSRF-Token) in place of a registered Origin.',
        parameters: queryParameters(bff.ScheduleQuery),
        responses: { 200: answer('The schedule', ref('ScheduleResponse')) },
      },
      [400, 403, 404, 502],
    ),
    options: consoleOperation({ operationId: 'consolePreviewPreflight', summary: 'Not needed (the preview is same-origin); answered as the BFF answers it', responses: { 204: noContent('Approved') } }, []),
  },
};

/** Every path answers OPTIONS (the BFF's with its CORS preflight, the others with the methods they take). */
function withOptions(paths: Record<string, Json>): Record<string, Json> {
  const allow = { Allow: { required: true, description: 'The methods this path takes', schema: { type: 'string' } } };
  return Object.fromEntries(
    Object.entries(paths).map(([path, item]) => [
      path,
      item.options
        ? item
        : {
            ...item,
            options: {
              tags: (Object.values(item)[0] as Json).tags,
              operationId: `options${path.replace(/\{id\}/g, 'Id').replace(/[^A-Za-z]/g, '') || 'Root'}`,
              summary: 'The methods this path takes, in Allow',
              security: [],
              responses: { 200: { description: 'No body; Allow names the methods', headers: allow }, ...errors(...ANY) },
            },
          },
    ]),
  );
}

/** The whole document, for a server at `publicUrl`. */
export function openApiDocument(publicUrl: string): Json {
  const document = {
    openapi: '3.1.0',
    info: {
      title: 'Thread Online Scheduling',
      version: '1',
      description:
        'The booking API (/scheduling), its OAuth 2.0 token endpoint, the BFF the <thread-scheduling> widget calls (/bff/v1), and the webhooks sent on every change of a booking. ' +
        'Every error is JSON {"status", "message"} (the BFF adds "reason", and "fields" for a refused sign-up), except the token endpoint\'s RFC 6749 errors. ' +
        'A path that does not exist is 404 and a method a path does not take is 405, both with that error body.',
    },
    servers: [{ url: publicUrl }],
    tags: [{ name: 'Booking API' }, { name: 'Webhooks' }, { name: 'OAuth 2.0' }, { name: 'Widget BFF' }, { name: 'Widget' }, { name: 'Practice console' }, { name: 'Operations' }],
    paths: withOptions({ ...bookingPaths, ...webhookPaths, ...oauthPaths(publicUrl), ...bffPaths, ...consolePaths, ...serverPaths }),
    webhooks: webhooksSection,
    components: {
      schemas: Object.fromEntries(Object.entries(COMPONENTS).map(([name, schema]) => [name, plain(schema)])),
      responses: Object.fromEntries(Object.keys(ERROR_RESPONSES).map((status) => [`E${status}`, errorResponse(status)])),
      headers: { RetryAfter: RETRY_AFTER },
      securitySchemes: {
        oauth2: {
          type: 'oauth2',
          description: 'Client credentials; the token goes in Authorization: Bearer <token>',
          flows: { clientCredentials: { tokenUrl: `${publicUrl}/oauth2/token`, scopes: Object.fromEntries(SCOPES.map((s) => [s, SCOPE_TEXT[s]])) } },
        },
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token from /oauth2/token' },
        basic: { type: 'http', scheme: 'basic', description: 'client_id:client_secret, for /oauth2/token' },
        consoleSession: { type: 'apiKey', in: 'cookie', name: 'thread_console', description: 'The practice console session, from POST /console/api/session' },
      },
    },
  };
  // Plain JSON through and through (TypeBox's symbols and undefined fields gone).
  return JSON.parse(JSON.stringify(document)) as Json;
}

const SCOPE_TEXT: Record<(typeof SCOPES)[number], string> = {
  'scheduling:read': 'Read practices, locations and bookings',
  'scheduling:write': "Create bookings, and change and close the ones this client created; manage this client's webhook endpoints",
  'scheduling:book': 'The patient flow on any booking of a granted practice: hold, release, book',
  'scheduling:patients': "Read a booking's sign-up (audited)",
};
