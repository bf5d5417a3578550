// The token endpoint's form and answers, discovery and the JWKS as JSON Schemas: what the token
// endpoint checks, and what /openapi.json publishes.
import { Type } from '@sinclair/typebox';
import { StringEnum } from '../http/schemas.js';
import { SCOPES } from './tokens.js';

/** RFC 6749 §4.4.2; parameters it does not know are ignored, as §3.2 asks. */
export const TokenForm = Type.Object(
  {
    grant_type: Type.String({ minLength: 1, description: 'client_credentials (another is 400 unsupported_grant_type)' }),
    scope: Type.Optional(Type.String({ description: `Space-separated, from ${SCOPES.join(' ')}; default all the client was granted` })),
    client_id: Type.Optional(Type.String({ description: 'With client_secret, instead of HTTP Basic' })),
    client_secret: Type.Optional(Type.String()),
  },
  { title: 'TokenRequest' },
);

export const TokenResponse = Type.Object(
  {
    access_token: Type.String({ description: 'An ES256 JWT (typ at+jwt)' }),
    token_type: Type.Literal('Bearer'),
    expires_in: Type.Integer({ minimum: 1, description: 'Seconds' }),
    scope: Type.String({ description: 'Space-separated scopes granted' }),
  },
  { additionalProperties: false, title: 'TokenResponse' },
);

const OAUTH_ERRORS = ['invalid_request', 'invalid_client', 'unsupported_grant_type', 'invalid_scope', 'too_many_requests'] as const;
export type OAuthErrorCode = (typeof OAUTH_ERRORS)[number];

/** RFC 6749 §5.2. */
export const OAuthErrorBody = Type.Object(
  { error: StringEnum(OAUTH_ERRORS), error_description: Type.String() },
  { additionalProperties: false, title: 'OAuthError' },
);

/** RFC 8414 authorization server metadata (also served as OpenID discovery). */
export const Discovery = Type.Object(
  {
    issuer: Type.String({ format: 'uri' }),
    token_endpoint: Type.String({ format: 'uri' }),
    jwks_uri: Type.String({ format: 'uri' }),
    grant_types_supported: Type.Array(Type.String()),
    token_endpoint_auth_methods_supported: Type.Array(Type.String()),
    scopes_supported: Type.Array(Type.String()),
    response_types_supported: Type.Array(Type.String()),
  },
  { additionalProperties: false, title: 'AuthorizationServerMetadata' },
);

/** RFC 7517: the public signing keys, P-256. */
export const Jwks = Type.Object(
  {
    keys: Type.Array(
      Type.Object(
        {
          kty: Type.Literal('EC'),
          crv: Type.Literal('P-256'),
          x: Type.String(),
          y: Type.String(),
          kid: Type.String(),
          alg: Type.Literal('ES256'),
          use: Type.Literal('sig'),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false, title: 'JWKS' },
);
