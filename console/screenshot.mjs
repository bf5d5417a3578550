// Screenshots of each practice console page at 375 px and 1200 px wide, for the README:
//   npm run build && node --import tsx console/screenshot.mjs
// Starts the real server on a fresh database with the demo practice, books two of its times with a
// sign-up, signs in with a console link, and writes docs/console-<page>-<width>.png.
// Uses Debian's Chromium (CHROME_PATH or /usr/bin/chromium); never downloads one.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROME_ARGS, CHROME_PATH } from '../scripts/find-chrome.mjs';
import { createConsoleData } from '../server/db/console.ts';
import { DEMO_PRACTICE, seedDemo } from '../server/demo.ts';
import { addClient, api, getToken, startServer } from '../test/helpers/server.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const docs = path.join(root, 'docs');
if (!fs.existsSync(path.join(root, 'dist/console/console.js'))) {
  console.error('screenshot: dist/console/console.js is missing; run npm run build first');
  process.exit(1);
}

const server = await startServer({ realClock: true });
const { store, config } = server.thread;
await seedDemo(store, config);
await store.write((tx) => tx.directory.createSite({ origin: 'https://www.abc123ortho.example', practice_id: DEMO_PRACTICE.id }, Date.now()));

// Two of the demo's open times booked, as patients would through the widget.
const client = await addClient(server, { id: 'shots', scopes: ['scheduling:read', 'scheduling:write', 'scheduling:book'], practices: [DEMO_PRACTICE.id] });
const call = api(server.url, await getToken(server.url, client));
const patients = [
  { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', phone: '+1 303 555 0134', date_of_birth: '1990-04-12' },
  { first_name: 'Grace', last_name: 'Hopper', email: 'grace@example.com', phone: '+1 217 555 0188', date_of_birth: '1985-12-09' },
];
const open = (await call('GET', '/scheduling/locations/dr556/bookings?status=open&limit=40')).body.filter((b) => !b.recurring);
for (const [i, patient] of patients.entries()) {
  const booking = open[i * 7 + 3];
  await call('PUT', `/scheduling/bookings/${booking.id}`, { status: 'pending' });
  const booked = await call('PUT', `/scheduling/bookings/${booking.id}`, { status: 'booked', patient });
  if (booked.status !== 200) throw new Error(`booking failed: ${JSON.stringify(booked.body)}`);
}

const browser = await chromium.launch({ executablePath: CHROME_PATH, args: CHROME_ARGS });
const issue = () => store.write((tx) => createConsoleData(tx.sql).issueLink(DEMO_PRACTICE.id, Date.now()));
try {
  for (const width of [375, 1200]) {
    const context = await browser.newContext({ viewport: { width, height: width < 600 ? 800 : 900 }, deviceScaleFactor: 1, reducedMotion: 'reduce' });
    const page = await context.newPage();
    const shot = async (name) => {
      await page.evaluate(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
      await page.screenshot({ path: path.join(docs, `console-${name}-${width}.png`), fullPage: true });
    };

    // A link used twice: the sign-in page says so.
    const used = (await issue()).secret;
    await store.write((tx) => createConsoleData(tx.sql).useLink(used, Date.now()));
    await page.goto(`${server.url}/console#${used}`);
    await page.getByRole('alert').waitFor();
    await shot('sign-in');

    await page.goto(`${server.url}/console#${(await issue()).secret}`);
    await page.getByRole('heading', { level: 1, name: 'Locations' }).waitFor();
    await shot('locations');

    const open = async (name) => {
      await page.getByRole('navigation').getByRole('button', { name }).click();
      await page.getByRole('heading', { level: 1, name }).waitFor();
    };
    await open('Web sites');
    await shot('sites');

    await open('Embed builder');
    await page.getByLabel('Days ahead').fill('21');
    await page.getByLabel('Address of the page you will paste it into').fill('https://abc123ortho.example/book');
    await page.getByRole('region', { name: 'Live preview' }).getByRole('heading', { name: 'Choose a time' }).waitFor();
    await page.getByRole('region', { name: 'Live preview' }).getByRole('button', { name: /, \d/ }).first().waitFor();
    await shot('builder');

    await open('Appointments');
    await page.getByLabel('Location', { exact: true }).selectOption('dr556');
    await page.getByRole('button', { name: 'Show sign-up' }).first().click();
    await page.getByText('Lovelace').waitFor();
    await shot('appointments');
    await context.close();
  }
} finally {
  await browser.close();
  await server.close();
}
console.log('wrote docs/console-{sign-in,locations,sites,builder,appointments}-{375,1200}.png');
