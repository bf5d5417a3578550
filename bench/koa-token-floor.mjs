// The least a Koa token endpoint can do: read the form, sign an ES256 access token the way the
// server does (node:crypto, on libuv's thread pool) and answer with the real server's headers.
// No client authentication, rate limit, revocation check, request id or log line: the ceiling for
// token issuance with Koa and the contract's asymmetric signature.
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import fs from 'node:fs';
import Koa from 'koa';

const [answer] = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'))['POST /oauth2/token'];
const template = JSON.parse(answer.body);
const [header, payload] = template.access_token.split('.');
const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

const app = new Koa();
app.use(async (ctx) => {
  const chunks = [];
  for await (const chunk of ctx.req) chunks.push(chunk);
  if (ctx.path !== '/oauth2/token' || new URLSearchParams(Buffer.concat(chunks).toString()).get('grant_type') !== 'client_credentials') return;
  const iat = Math.floor(Date.now() / 1000);
  const input = `${header}.${Buffer.from(JSON.stringify({ ...claims, iat, exp: iat + 3600, jti: randomUUID() })).toString('base64url')}`;
  const signature = await new Promise((resolve, reject) =>
    sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }, (error, s) => (error ? reject(error) : resolve(s))),
  );
  ctx.status = answer.status;
  ctx.set(answer.headers);
  ctx.body = JSON.stringify({ ...template, access_token: `${input}.${signature.toString('base64url')}` });
});
const server = app.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
server.keepAliveTimeout = 65_000;
process.on('SIGTERM', () => server.close(() => process.exit(0)));
