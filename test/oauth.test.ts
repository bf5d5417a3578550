// The OAuth 2.0 authorization server (CONTRACT section 3): discovery, JWKS, the token endpoint and its
// RFC 6749 §5.2 errors, revocation, hashed secrets and throttling, over real HTTP and a real SQLite file.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { hashSecret, newSecret } from '../server/oauth/secrets.js';
import { openTestDatabase, tableNames } from './helpers/database.js';
import { startServerProcess, type ServerProcess } from './helpers/process.js';
import { addClient, addPractice, api, basic, getToken, request, startServer, type TestServer } from './helpers/server.js';

const ALL_SCOPES = ['scheduling:read', 'scheduling:write', 'scheduling:book', 'scheduling:patients'];
const FORM = 'application/x-www-form-urlencoded';

/** POST /oauth2/token with a form body and the given headers. */
function token(server: TestServer, body: string, headers: Record<string, string> = {}, localAddress?: string) {
  return request(server.url, { method: 'POST', path: '/oauth2/token', headers: { 'content-type': FORM, ...headers }, body, localAddress });
}

function assertOAuthError(response: { status: number; headers: Record<string, unknown>; json(): any }, status: number, error: string) {
  assert.equal(response.status, status, `expected ${status} ${error}, got ${response.status}`);
  const body = response.json();
  assert.equal(body.error, error);
  assert.equal(typeof body.error_description, 'string');
  assert.equal(response.headers['cache-control'], 'no-store');
  if (error === 'invalid_client') assert.match(String(response.headers['www-authenticate']), /^Basic\b/);
}

describe('authorization server', () => {
  let server: TestServer;
  let full: { id: string; secret: string };
  let reader: { id: string; secret: string };

  before(async () => {
    server = await startServer();
    await addPractice(server, { id: 'p1' }, [{ id: 'l1', timezone: 'America/Denver' }]);
    [full, reader] = await Promise.all([
      addClient(server, { id: 'full-client', scopes: ALL_SCOPES, practices: '*' }),
      addClient(server, { id: 'reader', scopes: ['scheduling:read'], practices: ['p1'] }),
    ]);
  });
  after(() => server.close());

  test('both discovery documents name the issuer, token endpoint, JWKS, grant, auth methods and scopes', async () => {
    const documents = [];
    for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
      const response = await request(server.url, { path });
      assert.equal(response.status, 200, path);
      assert.match(String(response.headers['content-type']), /^application\/json/);
      const doc = response.json();
      assert.equal(doc.issuer, server.url);
      assert.equal(doc.token_endpoint, `${server.url}/oauth2/token`);
      assert.equal(typeof doc.jwks_uri, 'string');
      assert.ok(doc.jwks_uri.startsWith(`${server.url}/`), doc.jwks_uri);
      assert.deepEqual(doc.grant_types_supported, ['client_credentials']);
      assert.deepEqual(doc.token_endpoint_auth_methods_supported, ['client_secret_basic', 'client_secret_post']);
      assert.deepEqual([...doc.scopes_supported].sort(), [...ALL_SCOPES].sort());
      documents.push(doc);
    }
    assert.deepEqual(documents[0], documents[1]);
  });

  test('the spec\'s curl (Basic header, form body) gets a Bearer token valid for an hour, no-store, no refresh token', async () => {
    const response = await token(server, 'grant_type=client_credentials', { authorization: basic(full) });
    assert.equal(response.status, 200);
    assert.equal(response.headers['cache-control'], 'no-store');
    assert.match(String(response.headers['content-type']), /^application\/json/);
    const body = response.json();
    assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'scope', 'token_type']);
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.expires_in, 3600);
    assert.deepEqual(body.scope.split(' ').sort(), [...ALL_SCOPES].sort());
    assert.equal(body.refresh_token, undefined);
    assert.equal(typeof body.access_token, 'string');
  });

  test('a form content type with a charset parameter is a form too', async () => {
    const response = await token(server, 'grant_type=client_credentials', { authorization: basic(reader), 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' });
    assert.equal(response.status, 200, response.text);
  });

  test('client_secret_post (credentials in the form body) works too', async () => {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: reader.id, client_secret: reader.secret });
    const response = await token(server, form.toString());
    assert.equal(response.status, 200, response.text);
    assert.equal(response.json().scope, 'scheduling:read');
    assert.equal(response.headers['cache-control'], 'no-store');
  });

  test('the access token is a JWT signed by a key in the JWKS, with iss, aud, sub, scope, iat, exp = iat + 3600, jti', async () => {
    const discovery = (await request(server.url, { path: '/.well-known/openid-configuration' })).json();
    const jwksResponse = await request(server.url, { path: new URL(discovery.jwks_uri).pathname });
    assert.equal(jwksResponse.status, 200);
    const jwks = jwksResponse.json();
    assert.ok(Array.isArray(jwks.keys) && jwks.keys.length > 0);
    for (const key of jwks.keys) {
      assert.equal(key.d, undefined, 'the JWKS must hold public keys only');
      assert.ok(['EC', 'RSA', 'OKP'].includes(key.kty), 'asymmetric keys only');
    }

    const first = await getToken(server.url, full);
    const second = await getToken(server.url, full);
    const header = decodeProtectedHeader(first);
    assert.ok(header.kid, 'the token names its key');
    assert.ok(jwks.keys.some((k: { kid?: string }) => k.kid === header.kid), 'the kid is in the JWKS');
    assert.ok(!String(header.alg).startsWith('HS'), `asymmetric signature, not ${header.alg}`);

    const { payload } = await jwtVerify(first, createRemoteJWKSet(new URL(discovery.jwks_uri)), {
      issuer: discovery.issuer,
      currentDate: new Date(server.clock.now),
    });
    assert.equal(payload.iss, server.url);
    assert.ok(payload.aud && (typeof payload.aud === 'string' || payload.aud.length > 0), 'aud is there');
    assert.equal(payload.sub, full.id);
    assert.deepEqual(String(payload.scope).split(' ').sort(), [...ALL_SCOPES].sort());
    assert.equal(typeof payload.iat, 'number');
    assert.ok(Math.abs(payload.iat! - server.clock.now / 1000) <= 2, 'iat is now (the server clock)');
    assert.equal(payload.exp, payload.iat! + 3600);
    assert.equal(typeof payload.jti, 'string');
    assert.notEqual(payload.jti, decodeJwt(second).jti, 'every token has its own jti');
  });

  test('scope asks for a subset of the client\'s scopes; the token carries only those', async () => {
    const response = await token(server, 'grant_type=client_credentials&scope=scheduling%3Aread', { authorization: basic(full) });
    assert.equal(response.status, 200, response.text);
    const body = response.json();
    assert.equal(body.scope, 'scheduling:read');
    assert.equal(decodeJwt(body.access_token).scope, 'scheduling:read');
    // The narrower token cannot do what the client could.
    const call = api(server.url, body.access_token);
    assert.equal((await call('GET', '/scheduling/practices')).status, 200);
    const write = await call('POST', '/scheduling/bookings', { start: '2030-01-01T10:00:00-07:00', location_id: 'l1', doctor_id: 'd1' });
    assert.equal(write.status, 403);

    const two = await token(server, 'grant_type=client_credentials&scope=scheduling%3Aread+scheduling%3Abook', { authorization: basic(full) });
    assert.equal(two.status, 200);
    assert.deepEqual(two.json().scope.split(' ').sort(), ['scheduling:book', 'scheduling:read']);
  });

  test('a scope the client was not granted, or an unknown one, is 400 invalid_scope', async () => {
    assertOAuthError(await token(server, 'grant_type=client_credentials&scope=scheduling%3Awrite', { authorization: basic(reader) }), 400, 'invalid_scope');
    assertOAuthError(await token(server, 'grant_type=client_credentials&scope=admin', { authorization: basic(full) }), 400, 'invalid_scope');
    assertOAuthError(
      await token(server, 'grant_type=client_credentials&scope=scheduling%3Aread+scheduling%3Awrite', { authorization: basic(reader) }),
      400,
      'invalid_scope',
    );
  });

  test('unknown client and wrong secret answer alike: 401 invalid_client with WWW-Authenticate: Basic', async () => {
    const unknown = await token(server, 'grant_type=client_credentials', { authorization: basic({ id: 'nobody', secret: full.secret }) });
    const wrong = await token(server, 'grant_type=client_credentials', { authorization: basic({ id: full.id, secret: `${full.secret}x` }) });
    assertOAuthError(unknown, 401, 'invalid_client');
    assertOAuthError(wrong, 401, 'invalid_client');
    assert.deepEqual(unknown.json(), wrong.json());
    assert.equal(unknown.headers['www-authenticate'], wrong.headers['www-authenticate']);

    const postWrong = await token(server, new URLSearchParams({ grant_type: 'client_credentials', client_id: reader.id, client_secret: 'nope' }).toString());
    assertOAuthError(postWrong, 401, 'invalid_client');
    assert.deepEqual(postWrong.json(), wrong.json());
    // No credentials at all, or a header that is not Basic.
    assertOAuthError(await token(server, 'grant_type=client_credentials'), 401, 'invalid_client');
    assertOAuthError(await token(server, 'grant_type=client_credentials', { authorization: 'Basic !!!' }), 401, 'invalid_client');
    server.clock.advance(61_000); // these failures count against this address; let the window pass
  });

  test('invalid_request (400): no grant_type, another content type, a repeated parameter, credentials twice', async () => {
    assertOAuthError(await token(server, '', { authorization: basic(full) }), 400, 'invalid_request');
    assertOAuthError(await token(server, 'scope=scheduling%3Aread', { authorization: basic(full) }), 400, 'invalid_request');
    const json = await request(server.url, {
      method: 'POST',
      path: '/oauth2/token',
      headers: { 'content-type': 'application/json', authorization: basic(full) },
      body: JSON.stringify({ grant_type: 'client_credentials' }),
    });
    assertOAuthError(json, 400, 'invalid_request');
    const none = await request(server.url, { method: 'POST', path: '/oauth2/token', headers: { authorization: basic(full) }, body: 'grant_type=client_credentials' });
    assertOAuthError(none, 400, 'invalid_request');
    assertOAuthError(await token(server, 'grant_type=client_credentials&grant_type=client_credentials', { authorization: basic(full) }), 400, 'invalid_request');
    assertOAuthError(
      await token(server, 'grant_type=client_credentials&scope=scheduling%3Aread&scope=scheduling%3Abook', { authorization: basic(full) }),
      400,
      'invalid_request',
    );
    const both = new URLSearchParams({ grant_type: 'client_credentials', client_id: full.id, client_secret: full.secret });
    assertOAuthError(await token(server, both.toString(), { authorization: basic(full) }), 400, 'invalid_request');
  });

  test('another grant type is 400 unsupported_grant_type', async () => {
    for (const grant of ['password', 'authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:jwt-bearer']) {
      const response = await token(server, new URLSearchParams({ grant_type: grant }).toString(), { authorization: basic(full) });
      assertOAuthError(response, 400, 'unsupported_grant_type');
    }
  });

  test('the token endpoint takes only POST', async () => {
    const response = await request(server.url, { path: '/oauth2/token' });
    assert.equal(response.status, 405);
    assert.equal(response.json().status, 'method_not_allowed');
  });

  test('a new secret takes over at once: the old one fails even right after it worked', async () => {
    const client = await addClient(server, { id: 'rotated', scopes: ['scheduling:read'], practices: '*' });
    await getToken(server.url, client); // the old secret has just been checked
    const fresh = newSecret();
    await server.thread.store.clients.setSecret(client.id, await hashSecret(fresh));
    assertOAuthError(await token(server, 'grant_type=client_credentials', { authorization: basic(client) }), 401, 'invalid_client');
    const renewed = await token(server, 'grant_type=client_credentials', { authorization: basic({ id: client.id, secret: fresh }) });
    assert.equal(renewed.status, 200);
    server.clock.advance(61_000);
  });

  test('a revoked client can neither get a token nor use one it got before', async () => {
    const client = await addClient(server, { id: 'soon-revoked', scopes: ['scheduling:read'], practices: '*' });
    const old = await getToken(server.url, client);
    assert.equal((await api(server.url, old)('GET', '/scheduling/practices')).status, 200);

    await server.thread.store.clients.revoke(client.id, Date.now());
    const again = await token(server, 'grant_type=client_credentials', { authorization: basic(client) });
    assertOAuthError(again, 401, 'invalid_client');
    const unknown = await token(server, 'grant_type=client_credentials', { authorization: basic({ id: 'never-was', secret: client.secret }) });
    assert.deepEqual(again.json(), unknown.json(), 'a revoked client looks like an unknown one');
    const used = await api(server.url, old)('GET', '/scheduling/practices');
    assert.equal(used.status, 401);
    assert.equal(used.body.status, 'unauthorized');
    server.clock.advance(61_000);
  });

  test('secrets are stored only as scrypt hashes: no plaintext secret anywhere in the database', async () => {
    const secrets = [full.secret, reader.secret];
    // On SQLite, checkpoint the WAL so the main file holds everything; then every row of every table, and
    // (below) every byte of every file of a SQLite database.
    const db = await openTestDatabase(server.databasePath);
    try {
      if (db.engine === 'sqlite') await db.all('PRAGMA wal_checkpoint(PASSIVE)');
      const rows = await db.all<{ id: string; secret_hash: string }>('SELECT id, secret_hash FROM clients');
      assert.ok(rows.length >= 2);
      for (const row of rows) assert.match(row.secret_hash, /^scrypt\$/, `client ${row.id} has a scrypt hash`);
      const dump = JSON.stringify(await Promise.all((await tableNames(db)).map((name) => db.all(`SELECT * FROM "${name}"`))));
      assert.ok(dump.includes(rows[0].secret_hash), 'the dump holds the clients');
      for (const secret of secrets) assert.ok(!dump.includes(secret), 'no table holds a plaintext secret');
    } finally {
      await db.close();
    }
    for (const suffix of ['', '-wal', '-shm']) {
      const file = server.databasePath + suffix;
      if (!fs.existsSync(file)) continue;
      const bytes = fs.readFileSync(file);
      for (const secret of secrets) {
        assert.equal(bytes.indexOf(secret), -1, `${file} holds a plaintext secret`);
        assert.equal(bytes.indexOf(Buffer.from(secret, 'utf16le')), -1, `${file} holds a plaintext secret (UTF-16)`);
      }
    }
  });
});

describe('token endpoint throttling', () => {
  let server: TestServer;
  let target: { id: string; secret: string };
  let other: { id: string; secret: string };

  before(async () => {
    server = await startServer();
    [target, other] = await Promise.all([
      addClient(server, { id: 'target', scopes: ['scheduling:read'], practices: '*' }),
      addClient(server, { id: 'other', scopes: ['scheduling:read'], practices: '*' }),
    ]);
  });
  after(() => server.close());

  const wrong = (client: { id: string }) => basic({ id: client.id, secret: 'wrong-secret' });

  test('nine failures do not throttle; the right secret still works', async () => {
    const client = await addClient(server, { id: 'nine', scopes: ['scheduling:read'], practices: '*' });
    const failures = await Promise.all(
      Array.from({ length: 9 }, () => token(server, 'grant_type=client_credentials', { authorization: wrong(client) }, '127.0.0.9')),
    );
    assert.deepEqual(failures.map((r) => r.status), Array(9).fill(401));
    assert.equal((await token(server, 'grant_type=client_credentials', { authorization: basic(client) }, '127.0.0.9')).status, 200);
    server.clock.advance(61_000);
  });

  test('10 wrong secrets for a client from address A: A gets 429 (even with the right secret), the real client at address B still gets its token', async () => {
    const failures = [];
    for (let i = 0; i < 10; i += 1) failures.push(await token(server, 'grant_type=client_credentials', { authorization: wrong(target) }, '127.0.0.1'));
    assert.deepEqual(failures.map((r) => r.status), Array(10).fill(401));
    for (const authorization of [wrong(target), basic(target)]) {
      const blocked = await token(server, 'grant_type=client_credentials', { authorization }, '127.0.0.1');
      assert.equal(blocked.status, 429);
      const retryAfter = Number(blocked.headers['retry-after']);
      assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After ${blocked.headers['retry-after']}`);
      assert.equal(blocked.json().error, 'too_many_requests');
    }
    // The real client, from its own address, with either authentication method.
    const real = await token(server, 'grant_type=client_credentials', { authorization: basic(target) }, '127.0.0.2');
    assert.equal(real.status, 200, real.text);
    const post = await token(server, new URLSearchParams({ grant_type: 'client_credentials', client_id: target.id, client_secret: target.secret }).toString(), {}, '127.0.0.2');
    assert.equal(post.status, 200, post.text);
    // Another client from address A is held back too (the address's count is 10), until the minute passes.
    assert.equal((await token(server, 'grant_type=client_credentials', { authorization: basic(other) }, '127.0.0.1')).status, 429);
    server.clock.advance(30_000);
    assert.equal((await token(server, 'grant_type=client_credentials', { authorization: basic(target) }, '127.0.0.1')).status, 429);
    server.clock.advance(31_000);
    const lifted = await token(server, 'grant_type=client_credentials', { authorization: basic(target) }, '127.0.0.1');
    assert.equal(lifted.status, 200, lifted.text);
  });

  test('failures for one client id spread over many addresses never lock it out: they are answered later and later, the real client at once', async () => {
    const client = await addClient(server, { id: 'spread', scopes: ['scheduling:read'], practices: '*' });
    const took: number[] = [];
    for (let i = 0; i < 12; i += 1) {
      const started = performance.now();
      const failure = await token(server, 'grant_type=client_credentials', { authorization: wrong(client) }, `127.0.1.${i + 1}`);
      took.push(performance.now() - started);
      assert.equal(failure.status, 401, failure.text);
    }
    // Past 10 failures, each failed answer is held back longer: 250 ms for the 11th, 500 ms for the 12th.
    assert.ok(took[10] >= 240, `11th failure answered after ${took[10]} ms`);
    assert.ok(took[11] >= 490, `12th failure answered after ${took[11]} ms`);
    // An unknown client id is answered alike, with the same delays past 10 failures.
    for (let i = 0; i < 11; i += 1) {
      const started = performance.now();
      const unknown = await token(server, 'grant_type=client_credentials', { authorization: wrong({ id: 'spread-nobody' }) }, `127.0.1.${i + 101}`);
      assert.equal(unknown.status, 401);
      if (i === 10) assert.ok(performance.now() - started >= 240, 'an unknown id is delayed like a known one');
    }
    const real = await token(server, 'grant_type=client_credentials', { authorization: basic(client) }, '127.0.1.200');
    assert.equal(real.status, 200, real.text);
    server.clock.advance(61_000);
  });

  test('after 10 failures from one address (any client ids), that address gets 429 even with a right secret; other addresses do not', async () => {
    const failures = await Promise.all(
      Array.from({ length: 10 }, (_, i) => token(server, 'grant_type=client_credentials', { authorization: wrong({ id: `guess-${i}` }) }, '127.0.3.1')),
    );
    assert.deepEqual(failures.map((r) => r.status), Array(10).fill(401));
    const blocked = await token(server, 'grant_type=client_credentials', { authorization: basic(other) }, '127.0.3.1');
    assert.equal(blocked.status, 429);
    assert.ok(Number(blocked.headers['retry-after']) >= 1);
    assert.equal((await token(server, 'grant_type=client_credentials', { authorization: basic(other) }, '127.0.3.2')).status, 200);

    server.clock.advance(61_000);
    assert.equal((await token(server, 'grant_type=client_credentials', { authorization: basic(other) }, '127.0.3.1')).status, 200);
  });

  test('guesses sent all at once are throttled too: no more than 10 of 25 concurrent wrong secrets from one address are even checked', async () => {
    const client = await addClient(server, { id: 'burst', scopes: ['scheduling:read'], practices: '*' });
    const answers = await Promise.all(
      Array.from({ length: 25 }, () => token(server, 'grant_type=client_credentials', { authorization: wrong(client) }, '127.0.4.1')),
    );
    const statuses = answers.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 401).length, 10, `statuses: ${statuses.join(' ')}`);
    assert.equal(statuses.filter((s) => s === 429).length, 15);
    assert.equal((await token(server, 'grant_type=client_credentials', { authorization: basic(client) }, '127.0.4.1')).status, 429);
    server.clock.advance(61_000);
    assert.equal((await token(server, 'grant_type=client_credentials', { authorization: basic(client) }, '127.0.4.1')).status, 200);
  });
});

describe('token endpoint throttling across processes', () => {
  let server: TestServer;
  let second: ServerProcess;
  let client: { id: string; secret: string };

  before(async () => {
    server = await startServer({ realClock: true });
    client = await addClient(server, { id: 'shared', scopes: ['scheduling:read'], practices: '*' });
    second = await startServerProcess({ DATABASE_PATH: server.databasePath, THREAD_DEMO: 'off' });
  });
  after(async () => {
    second.child.kill('SIGTERM');
    await second.exited;
    await server.close();
  });

  const attempt = (url: string, authorization: string, localAddress: string) =>
    request(url, { method: 'POST', path: '/oauth2/token', headers: { 'content-type': FORM, authorization }, body: 'grant_type=client_credentials', localAddress });

  test('failures counted by one process count in another on the same database: 5 + 5 from one address lock it out on both', async () => {
    const wrong = basic({ id: client.id, secret: 'wrong-secret' });
    for (const url of [server.url, second.url]) {
      for (let i = 0; i < 5; i += 1) assert.equal((await attempt(url, wrong, '127.0.5.1')).status, 401);
    }
    for (const url of [server.url, second.url]) {
      const blocked = await attempt(url, basic(client), '127.0.5.1');
      assert.equal(blocked.status, 429, `${url}: ${blocked.text}`);
      assert.ok(Number(blocked.headers['retry-after']) >= 1);
    }
    // The real client, from its own address, gets its token from either process.
    for (const url of [server.url, second.url]) assert.equal((await attempt(url, basic(client), '127.0.5.2')).status, 200);
  });
});
