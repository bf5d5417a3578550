// The framework's own ceiling: Koa with one middleware answering each route with the real
// server's bytes, as bench/bare.mjs does without Koa. What the product adds is the rest.
import fs from 'node:fs';
import Koa from 'koa';

const answers = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const app = new Koa();
app.use(async (ctx) => {
  const chunks = [];
  for await (const chunk of ctx.req) chunks.push(chunk);
  const body = Buffer.concat(chunks).toString();
  const choices = answers[`${ctx.method} ${ctx.path}`] ?? answers[`${ctx.method} *`];
  if (!choices) return;
  const answer = choices.find((a) => !a.when || body.includes(a.when)) ?? choices[0];
  ctx.status = answer.status;
  ctx.set(answer.headers);
  ctx.body = answer.body;
});
const server = app.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
server.keepAliveTimeout = 65_000;
process.on('SIGTERM', () => server.close(() => process.exit(0)));
