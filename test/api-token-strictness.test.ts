// What the booking API refuses of a token signed with the server's own key (security review, finding 9):
// a high-S (malleable) twin of a valid signature, an `iat` in the future, a lifetime past an hour, and a
// token without iat or exp. Each is 401 `unauthorized` with a message naming the problem.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { importJWK, SignJWT, type JWK } from 'jose';
import { isLowS, toLowS } from '../server/oauth/low-s.js';
import { addClient, api, getToken, mintToken, startServer, withSignature, type TestServer } from './helpers/server.js';

/** The order of P-256's group. */
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

const signatureOf = (token: string) => Buffer.from(token.slice(token.lastIndexOf('.') + 1), 'base64url');

/** The other valid signature of the same token: (r, n - s). */
function flipS(token: string): string {
  const signature = signatureOf(token);
  const s = BigInt(`0x${signature.subarray(32).toString('hex')}`);
  const flipped = Buffer.from((N - s).toString(16).padStart(64, '0'), 'hex');
  return withSignature(token, Buffer.concat([signature.subarray(0, 32), flipped]));
}

let server: TestServer;
let client: { id: string; secret: string };

before(async () => {
  server = await startServer();
  client = await addClient(server, { id: 'strict', scopes: ['scheduling:read'], practices: '*' });
});
after(() => server.close());

async function assertRefused(token: string, mentions: RegExp) {
  const response = await api(server.url, token)('GET', '/scheduling/practices');
  assert.equal(response.status, 401, JSON.stringify(response.body));
  assert.equal(response.body.status, 'unauthorized');
  assert.match(response.body.message, mentions);
  assert.match(String(response.headers.get('www-authenticate')), /^Bearer\b/);
}

describe('ES256 signatures are accepted in one form only', () => {
  test('every token the endpoint issues has a low-S signature', async () => {
    // Node signs with either S, half the time each: twenty tokens all low-S is no accident.
    for (let i = 0; i < 20; i += 1) {
      const token = await getToken(server.url, client);
      assert.equal(signatureOf(token).length, 64);
      assert.ok(isLowS(signatureOf(token)), `token ${i} has a high-S signature`);
    }
  });

  test('the high-S twin of a valid token (s -> n - s) is 401, the token itself 200', async () => {
    const token = await getToken(server.url, client);
    await assertRefused(flipS(token), /low-S/);
    assert.equal((await api(server.url, token)('GET', '/scheduling/practices')).status, 200);
    // Refused also once the original has been seen (and is remembered).
    await assertRefused(flipS(token), /low-S/);
  });
});

describe('token times', () => {
  const now = () => Math.floor(server.clock.now / 1000);

  test('an iat more than 60 s in the future is 401; 60 s ahead (clock skew) is accepted', async () => {
    await assertRefused(await mintToken(server, client.id, ['scheduling:read'], { iat: now() + 120, exp: now() + 120 + 3600 }), /future/);
    const skewed = await mintToken(server, client.id, ['scheduling:read'], { iat: now() + 60, exp: now() + 60 + 3600 });
    assert.equal((await api(server.url, skewed)('GET', '/scheduling/practices')).status, 200);
  });

  test('a token meant to live longer than 3600 s (exp - iat) is 401; exactly 3600 s is accepted', async () => {
    await assertRefused(await mintToken(server, client.id, ['scheduling:read'], { iat: now(), exp: now() + 3601 }), /3600/);
    await assertRefused(await mintToken(server, client.id, ['scheduling:read'], { iat: now() - 60, exp: now() + 365 * 86_400 }), /3600/);
    const hour = await mintToken(server, client.id, ['scheduling:read'], { iat: now(), exp: now() + 3600 });
    assert.equal((await api(server.url, hour)('GET', '/scheduling/practices')).status, 200);
  });

  test('a token without iat or without exp is 401 naming the claim', async () => {
    const [key] = await server.thread.store.keys.all();
    const privateKey = await importJWK(JSON.parse(key.private_jwk) as JWK, key.alg);
    const sign = async (times: { iat?: number; exp?: number }) => {
      const token = await new SignJWT({ scope: 'scheduling:read', ...times })
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
        .setIssuer(server.url)
        .setAudience(`${server.url}/scheduling`)
        .setSubject(client.id)
        .setJti(crypto.randomUUID())
        .sign(privateKey);
      return withSignature(token, toLowS(signatureOf(token)));
    };
    await assertRefused(await sign({ exp: now() + 3600 }), /"iat"/);
    await assertRefused(await sign({ iat: now() }), /"exp"/);
  });
});
