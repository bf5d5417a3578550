// npm run bench:widget: how soon a patient on a phone sees the first open time. The real server
// (server/main.ts, demo data, a fresh database) serves widget.js; a practice's page on another
// origin embeds it with the README's snippet; Debian's Chromium opens that page with a phone
// profile (Slow 4G: 150 ms RTT, 1.6 Mbps down, 750 kbps up; CPU 4x slower) and an empty cache.
// Each run measures navigation start -> the first time button visible in the widget's shadow DOM.
// BENCH_WIDGET_RUNS (default 7) runs; BENCH_WIDGET_HINTS=off leaves the snippet's preconnect and
// modulepreload hints out of the page, to see what they are worth.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { freePort } from '../test/helpers/process.js';
import { waitUntilReady } from './ready.js';

const RUNS = Number(process.env.BENCH_WIDGET_RUNS ?? 7);
const HINTS = process.env.BENCH_WIDGET_HINTS !== 'off';
const root = path.resolve(import.meta.dirname, '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'thread-bench-widget-'));

if (!fs.existsSync(path.join(root, 'dist/widget.js'))) throw new Error('dist/widget.js is missing: run npm run build first');

const port = await freePort();
const bffUrl = `http://127.0.0.1:${port}`;
const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), DATABASE_PATH: path.join(work, 'bench.sqlite'), PUBLIC_URL: bffUrl, THREAD_DEMO: 'on' };
delete env.THREAD_ISSUER;
const server: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
process.on('exit', () => server.kill('SIGKILL'));
await waitUntilReady(bffUrl);

// The practice's own page, as a web designer would paste the README's snippet into it.
const hints = HINTS
  ? `<link rel="preconnect" href="${bffUrl}" crossorigin>
    <link rel="modulepreload" href="${bffUrl}/widget.js">`
  : '';
const page = `<!doctype html><html lang="en"><head><meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>ABC 123 Orthodontics</title>
  ${hints}
  <script type="module" src="${bffUrl}/widget.js"></script>
  <style>body { font: 16px system-ui; margin: 0 auto; max-width: 40rem; padding: 1rem }</style></head>
  <body><h1>Book your free consultation</h1>
  <p>Pick an office and a time that suits you.</p>
  <thread-scheduling location-ids="dr556,b2rGH"></thread-scheduling></body></html>`;
const host = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(page);
});
const hostPort = await freePort();
await new Promise<void>((resolve) => host.listen(hostPort, '127.0.0.1', resolve));
const hostUrl = `http://127.0.0.1:${hostPort}`;
const registered = spawnSync(process.execPath, ['--import', 'tsx', 'server/cli.ts', 'sites', 'create', '--origin', hostUrl, '--practice', '3rt42'], { cwd: root, env, encoding: 'utf8' });
if (registered.status !== 0) throw new Error(`thread sites create: ${registered.stderr}`);

const browser = await chromium.launch({
  executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});

interface Run {
  ms: number;
  /** When widget.js and the schedule request started and ended, from Resource Timing (ms since navigation start). */
  marks: Record<'html' | 'widgetStart' | 'widgetEnd' | 'scheduleStart' | 'scheduleEnd', number>;
  /** Each script the page had loaded when the first time showed, and its size gzipped. */
  scripts: Array<{ url: string; gzipped: number }>;
}

async function run(): Promise<Run> {
  // A fresh context each run: an empty HTTP cache, no connections kept from the last run.
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const tab = await context.newPage();
  const cdp = await context.newCDPSession(tab);
  await cdp.send('Network.enable');
  await cdp.send('Network.clearBrowserCache');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 150, downloadThroughput: 200_000, uploadThroughput: 93_750 });
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  const scripts: Array<Promise<{ url: string; gzipped: number }>> = [];
  tab.on('response', (response) => {
    if (response.request().resourceType() !== 'script') return;
    scripts.push(response.body().then((body) => ({ url: response.url(), gzipped: gzipSync(body, { level: 9 }).length })));
  });
  await tab.goto(hostUrl, { waitUntil: 'commit' });
  // performance.now() counts from the navigation's start.
  const shown = await tab.waitForFunction(
    () => {
      const button = document.querySelector('thread-scheduling')?.shadowRoot?.querySelector('button[part~="time"]');
      return button && button.checkVisibility() ? performance.now() : false;
    },
    undefined,
    { polling: 'raf', timeout: 60_000 },
  );
  const ms = (await shown.jsonValue()) as number;
  const marks = (await tab.evaluate(() => {
    const [nav] = performance.getEntriesByType('navigation') as PerformanceNavigationTiming[];
    const entries = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
    const widget = entries.find((e) => e.name.endsWith('/widget.js'));
    const schedule = entries.find((e) => e.name.includes('/bff/v1/schedule'));
    return {
      html: nav?.responseEnd ?? 0,
      widgetStart: widget?.startTime ?? 0,
      widgetEnd: widget?.responseEnd ?? 0,
      scheduleStart: schedule?.startTime ?? 0,
      scheduleEnd: schedule?.responseEnd ?? 0,
    };
  })) as Run['marks'];
  const loaded = await Promise.all(scripts.slice());
  await context.close();
  return { ms, marks, scripts: loaded };
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
const results: Run[] = [];
try {
  await run(); // unmeasured: the server compiles its paths and fills its caches, as it has in production
  for (let i = 0; i < RUNS; i += 1) {
    const result = await run();
    results.push(result);
    process.stderr.write(`run ${i + 1}: ${Math.round(result.ms)} ms\n`);
  }
} finally {
  await browser.close();
  host.close();
  server.kill('SIGTERM');
}

const times = results.map((r) => r.ms).sort((a, b) => a - b);
const scripts = results.at(-1)!.scripts;
const total = scripts.reduce((sum, s) => sum + s.gzipped, 0);
console.log(`phone profile (150 ms RTT, 1.6 Mbps down, 750 kbps up, CPU 4x), ${RUNS} runs, empty cache, hints ${HINTS ? 'on' : 'off'}`);
console.log(`first time button visible: median ${Math.round(quantile(times, 0.5))} ms, p90 ${Math.round(quantile(times, 0.9))} ms (min ${Math.round(times[0])}, max ${Math.round(times.at(-1)!)})`);
const median = (key: keyof Run['marks']) => Math.round(quantile(results.map((r) => r.marks[key]).sort((a, b) => a - b), 0.5));
console.log(
  `where the time goes (medians, ms from navigation start): page ${median('html')}; widget.js ${median('widgetStart')} -> ${median('widgetEnd')}; schedule ${median('scheduleStart')} -> ${median('scheduleEnd')}; first time ${Math.round(quantile(times, 0.5))}`,
);
console.log(`JavaScript the first screen loaded: ${(total / 1024).toFixed(2)} KB gzipped (${scripts.map((s) => `${new URL(s.url).pathname} ${(s.gzipped / 1024).toFixed(2)} KB`).join(', ')})`);
fs.rmSync(work, { recursive: true, force: true });
