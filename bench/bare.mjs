// The yardstick: a bare node:http server answering each route with the bytes the real
// server answered (status, headers and body), so the ratio between the two is what our code costs.
import fs from 'node:fs';
import http from 'node:http';

const answers = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString();
    const key = `${req.method} ${req.url.split('?')[0]}`;
    const choices = answers[key] ?? answers[`${req.method} *`];
    if (!choices) {
      res.writeHead(404).end();
      return;
    }
    const answer = choices.find((a) => !a.when || body.includes(a.when)) ?? choices[0];
    res.writeHead(answer.status, { ...answer.headers, 'content-length': Buffer.byteLength(answer.body) });
    res.end(answer.body);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
