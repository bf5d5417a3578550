// Screenshots of the built widget as a patient sees it, for review:
//   npx vite build && node --import tsx widget/demo/screenshot.mjs
// Serves dist/widget.js and a page holding the widget, answers the BFF's URLs
// with realistic made-up data (page.route), and writes docs/widget-*.png.
// Uses Debian's Chromium (CHROME_PATH or /usr/bin/chromium); never downloads one.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROME_ARGS, CHROME_PATH } from '../../scripts/find-chrome.mjs';
import { DEMO_LOCATIONS } from '../../server/demo.ts';
import { fromWallClock } from '../../server/domain/time.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const docs = path.join(root, 'docs');
const widgetFile = path.join(root, 'dist/widget.js');
if (!fs.existsSync(widgetFile)) {
  console.error('screenshot: dist/widget.js is missing; run npx vite build first');
  process.exit(1);
}

// The same policy the server sends with the demo page.
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const shotPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Widget</title><link rel="stylesheet" href="/shot.css"><script type="module" src="/widget.js"></script></head>
<body><main><thread-scheduling location-ids="dr556,b2rGH"></thread-scheduling></main></body></html>`;
const shotCss = `body { margin: 0; background: #f1f5f9; font-family: Georgia, serif; }
main { max-width: 1120px; margin: 0 auto; padding: 16px; }`;

const files = {
  '/': [fs.readFileSync(path.join(root, 'widget/demo/index.html')), 'text/html'],
  '/demo.css': [fs.readFileSync(path.join(root, 'widget/demo/demo.css')), 'text/css'],
  '/widget.js': [fs.readFileSync(widgetFile), 'text/javascript'],
  '/shot.html': [Buffer.from(shotPage), 'text/html'],
  '/shot.css': [Buffer.from(shotCss), 'text/css'],
};

const server = http.createServer((request, response) => {
  const file = files[new URL(request.url, 'http://x').pathname];
  if (!file) {
    response.writeHead(404).end();
    return;
  }
  response.writeHead(200, { 'content-type': file[1], 'content-security-policy': CSP }).end(file[0]);
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${server.address().port}`;

// ---------------------------------------------------------------- made-up schedule

/** The instant when the wall clock in timeZone shows y-m-d h:min. */
function atWallClock(y, m, d, h, min, timeZone) {
  return new Date(fromWallClock(Date.UTC(y, m, d, h, min), timeZone)).toISOString();
}

// The demo practice's own locations, as the server seeds them.
const locations = DEMO_LOCATIONS.map(({ practice_id: _practice, ...location }) => location);

const today = new Date();
const schedule = {
  from: today.toISOString(),
  to: new Date(today.getTime() + 14 * 86400000).toISOString(),
  locations: locations.map((location, index) => {
    const slots = [];
    for (let day = 1; day <= 14; day += 1) {
      const date = new Date(today.getFullYear(), today.getMonth(), today.getDate() + day);
      const weekday = date.getDay();
      if (weekday === 0 || weekday === 6) continue;
      const times = [
        [8, 0],
        [8, 45],
        [9, 30],
        [10, 15],
        [11, 0],
        [13, 0],
        [13, 45],
        [14, 30],
        [15, 15],
        [16, 0],
      ].filter((_, i) => (i * 7 + day * 3 + index) % 4 !== 0);
      for (const [hour, minute] of times) {
        slots.push({
          booking_id: `${location.id}-${day}-${hour}${minute}`,
          start_datetime: atWallClock(date.getFullYear(), date.getMonth(), date.getDate(), hour, minute, location.timezone),
          length: 45,
          doctor_id: 'dr-okafor',
        });
      }
    }
    return { ...location, slots };
  }),
};

// ---------------------------------------------------------------- the browser

const browser = await chromium.launch({
  executablePath: CHROME_PATH,
  args: CHROME_ARGS,
});

const problems = [];

async function open(width, url = '/shot.html') {
  const page = await browser.newPage({ viewport: { width, height: 800 }, deviceScaleFactor: 1 });
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`${width}px: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`${width}px: ${error.message}`));
  let hold;
  await page.route('**/bff/v1/**', async (route) => {
    const request = route.request();
    const { pathname } = new URL(request.url());
    const reply = (status, body) =>
      route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) });
    if (pathname.endsWith('/schedule')) return reply(200, schedule);
    if (pathname.endsWith('/holds/challenge')) {
      return reply(200, { challenge: 'screenshot', bits: 1, expires_at: new Date(Date.now() + 120000).toISOString() });
    }
    if (pathname.endsWith('/holds/extend')) {
      return reply(200, { expires_at: new Date(Date.now() + 600000).toISOString(), expires_in: 600, extensions_left: 19 });
    }
    if (pathname.endsWith('/holds')) {
      const body = request.postDataJSON();
      hold = { ...body, length: 45 };
      return reply(201, {
        hold_token: 'screenshot-hold',
        booking_id: body.booking_id,
        location_id: body.location_id,
        start_datetime: body.start_datetime,
        length: 45,
        expires_at: new Date(Date.now() + 600000).toISOString(),
        expires_in: 600,
      });
    }
    if (pathname.endsWith('/holds/confirm')) {
      return reply(200, {
        booking_id: hold.booking_id,
        location_id: hold.location_id,
        start_datetime: hold.start_datetime,
        length: 45,
        status: 'booked',
      });
    }
    if (pathname.endsWith('/holds/release')) return route.fulfill({ status: 204 });
    return reply(404, { status: 'not_found', message: 'no such route' });
  });
  await page.goto(`${origin}${url}`);
  await page.getByRole('heading', { name: 'Choose a time' }).waitFor();
  return page;
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(docs, name), fullPage: true });
  console.log(`docs/${name}`);
}

fs.mkdirSync(docs, { recursive: true });
try {
  const wide = await open(1200);
  await shot(wide, 'widget-1200.png');
  await wide.close();

  const demo = await open(1200, '/');
  await shot(demo, 'demo-1200.png');
  await demo.close();

  const page = await open(375);
  await shot(page, 'widget-375.png');

  await page.locator('button[part~="time"]').nth(2).click();
  await page.getByRole('heading', { name: 'Your details' }).waitFor();
  await shot(page, 'widget-375-form.png');

  await page.getByLabel('Email').fill('not-an-email');
  await page.getByRole('button', { name: 'Confirm appointment' }).click();
  await page.locator('[part~="error"]').first().waitFor();
  await shot(page, 'widget-375-form-errors.png');

  await page.getByLabel('First name').fill('Zelda');
  await page.getByLabel('Last name').fill('Marsh');
  await page.getByLabel('Email').fill('zelda@example.org');
  await page.getByLabel('Phone').fill('(217) 555-0199');
  await page.getByLabel('Date of birth').fill('2011-04-12');
  await page.getByRole('button', { name: 'Confirm appointment' }).click();
  await page.getByRole('heading', { name: 'You’re booked' }).waitFor();
  await shot(page, 'widget-375-done.png');
  await page.close();
} finally {
  await browser.close();
  server.close();
}

if (problems.length) {
  console.error(`screenshot: the page reported ${problems.length} problem(s):\n${problems.join('\n')}`);
  process.exitCode = 1;
}
