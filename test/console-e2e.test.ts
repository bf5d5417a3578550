// The practice console end to end, in Debian's Chromium against a real server and database: a site
// admin signs in with a link, registers the practice's page (on another origin) and builds the snippet;
// a patient books through that snippet; the admin sees the appointment and its sign-up; removing the
// site stops the widget there. Every console page passes an axe accessibility check.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CHROME_ARGS, CHROME_PATH } from '../scripts/find-chrome.mjs';
import type { Booking } from '../shared/types.js';
import { consoleLink } from './console-helpers.js';
import { addClient, addPractice, api, getToken, startServer, type TestServer } from './helpers/server.js';

const ZONE = 'America/Denver';
const DAY = 86_400_000;
const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let server: TestServer;
let host: http.Server;
let hostOrigin: string;
/** What the practice's page holds: set by the test once the snippet is built. */
let hostSnippet = '';
let browser: Browser;
let admin: BrowserContext;
let consolePage: Page;
let call: ReturnType<typeof api>;
let open: Booking;
/** Lines Chromium logged on the console page (a CSP refusal would be one). */
const consoleLines: string[] = [];

function denverTime(days: number, hour: number): string {
  const date = new Date(Date.now() + days * DAY);
  const [y, m, d] = new Intl.DateTimeFormat('en-CA', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(date).split('-');
  const offset = new Intl.DateTimeFormat('en-US', { timeZone: ZONE, timeZoneName: 'longOffset' })
    .formatToParts(new Date(`${y}-${m}-${d}T12:00:00Z`))
    .find((p) => p.type === 'timeZoneName')!.value;
  return `${y}-${m}-${d}T${String(hour).padStart(2, '0')}:00:00${offset.slice(3)}`;
}

/** axe-core's WCAG 2.x A and AA rules (2.2 included) on what the page shows now: no violations. */
async function assertAccessible(page: Page, what: string): Promise<void> {
  // Through the DevTools protocol, which the page's CSP does not govern (a script tag would be refused, rightly).
  if ((await page.evaluate('typeof window.axe')) !== 'object') await page.evaluate(axeSource);
  const result = (await page.evaluate(`axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } })`)) as {
    violations: Array<{ id: string; help: string; nodes: Array<{ target: unknown; failureSummary: string }> }>;
  };
  const found = result.violations.map((v) => `${v.id}: ${v.help} at ${JSON.stringify(v.nodes.map((n) => n.target))} ${v.nodes[0]?.failureSummary ?? ''}`);
  assert.deepEqual(found, [], `${what} has accessibility violations`);
}

async function section(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation').getByRole('button', { name }).click();
  await page.getByRole('heading', { level: 1, name }).waitFor();
}

before(async () => {
  assert.ok(fs.existsSync('dist/widget.js') && fs.existsSync('dist/console/console.js'), 'run npm run build first (npm test does)');
  server = await startServer({ realClock: true });
  await addPractice(server, { id: 'p1', name: 'Front Range Orthodontics' }, [
    { id: 'den', timezone: ZONE, name: 'Denver' },
    { id: 'bos', timezone: 'America/New_York', name: 'Boston' },
  ]);
  await addPractice(server, { id: 'p2', name: 'Other Practice' }, [{ id: 'other', timezone: 'America/Chicago', name: 'Elsewhere' }]);
  const client = await addClient(server, { id: 'pms', scopes: ['scheduling:read', 'scheduling:write', 'scheduling:patients'], practices: ['p1', 'p2'] });
  call = api(server.url, await getToken(server.url, client));
  const created = await call('POST', '/scheduling/bookings', { start: denverTime(1, 9), location_id: 'den', doctor_id: 'dr-a', length: 45, status: 'open' });
  assert.equal(created.status, 201);
  open = created.body as Booking;

  host = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="en"><head><title>Front Range Orthodontics</title></head><body><h1>Book a visit</h1>\n${hostSnippet}\n</body></html>`);
  });
  await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
  hostOrigin = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;

  browser = await chromium.launch({ executablePath: CHROME_PATH, args: CHROME_ARGS });
  admin = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  await admin.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
});

after(async () => {
  await browser?.close();
  host?.close();
  await server?.close();
});

test('a used link and an expired one say so plainly, and the sign-in page is accessible', async () => {
  const page = await admin.newPage();
  const used = await consoleLink(server, 'p1');
  await page.goto(`${server.url}/console#${used}`);
  await page.getByRole('heading', { name: 'Locations' }).waitFor();
  const again = await admin.newPage();
  await again.goto(`${server.url}/console#${used}`);
  await again.getByRole('alert').filter({ hasText: 'This sign-in link was already used. Each link signs in once: ask for a new one.' }).waitFor();
  assert.equal(again.url(), `${server.url}/console`, 'the secret is taken out of the address bar');
  await assertAccessible(again, 'the sign-in page');

  const expired = await consoleLink(server, 'p1', Date.now() - 16 * 60_000);
  await again.goto(`${server.url}/console#${expired}`);
  await again.getByRole('alert').filter({ hasText: 'This sign-in link has expired (links last 15 minutes). Ask for a new one.' }).waitFor();
  await page.close();
  await again.close();
  await admin.clearCookies();
});

test('signs in by link: the cookie is HttpOnly, SameSite=Strict, Path=/console; every page is accessible, in English and Spanish', async () => {
  consolePage = await admin.newPage();
  consolePage.on('console', (message) => consoleLines.push(message.text()));
  consolePage.on('pageerror', (error) => consoleLines.push(`pageerror: ${error.message}`));
  await consolePage.goto(`${server.url}/console#${await consoleLink(server, 'p1')}`);
  await consolePage.getByRole('heading', { level: 1, name: 'Locations' }).waitFor();
  assert.equal(consolePage.url(), `${server.url}/console`);
  const [cookie] = await admin.cookies(`${server.url}/console`);
  assert.equal(cookie.name, 'thread_console');
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, 'Strict');
  assert.equal(cookie.path, '/console');
  assert.equal(cookie.secure, false, 'plain http on this machine');
  assert.equal(await consolePage.evaluate('document.cookie'), '', 'no script reads it');
  assert.deepEqual(await consolePage.evaluate('({ ...localStorage, ...sessionStorage })'), {});

  // Locations with their ids; another practice's never.
  await consolePage.getByText('den', { exact: true }).waitFor();
  assert.equal(await consolePage.getByText('Elsewhere').count(), 0);
  await consolePage.getByRole('button', { name: 'Copy the ID of Denver' }).click();
  assert.equal(await consolePage.evaluate('navigator.clipboard.readText()'), 'den');
  await consolePage.getByRole('status').filter({ hasText: 'Copied den.' }).waitFor();
  await assertAccessible(consolePage, 'Locations');
  for (const name of ['Web sites', 'Embed builder', 'Appointments']) {
    await section(consolePage, name);
    await assertAccessible(consolePage, name);
  }
  // Usable from 320 px: no page scrolls sideways.
  await consolePage.setViewportSize({ width: 320, height: 700 });
  for (const name of ['Locations', 'Web sites', 'Embed builder', 'Appointments']) {
    await section(consolePage, name);
    if (name === 'Embed builder') await consolePage.getByRole('region', { name: 'Live preview' }).getByRole('heading', { name: 'Choose a time' }).waitFor();
    assert.equal(await consolePage.evaluate('document.documentElement.scrollWidth'), 320, `${name} fits 320 px`);
  }
  await consolePage.setViewportSize({ width: 1200, height: 900 });
  await consolePage.getByLabel('Language', { exact: true }).selectOption('es');
  await consolePage.getByRole('heading', { level: 1, name: 'Citas' }).waitFor();
  await assertAccessible(consolePage, 'Citas');
  await consolePage.getByLabel('Idioma', { exact: true }).selectOption('en');
  await consolePage.getByRole('heading', { level: 1, name: 'Appointments' }).waitFor();
});

test('builds a snippet, registers the page on another origin, and a patient books through it; the appointment and its sign-up show', async () => {
  const page = consolePage;
  await section(page, 'Embed builder');
  // The live preview is the real widget against the real BFF.
  const preview = page.getByRole('region', { name: 'Live preview' });
  await preview.getByRole('heading', { name: 'Choose a time' }).waitFor();
  await page.getByRole('checkbox', { name: /Boston/ }).uncheck();
  await page.getByLabel('Days ahead').fill('7');
  await page.getByLabel('Accent colour').fill('#0f5132');
  await page.getByLabel('Address of the page you will paste it into').fill(`${hostOrigin}/book`);
  await page.getByText(`${hostOrigin} is not registered: the widget will refuse to work there. Add it under Web sites.`).waitFor();
  await assertAccessible(page, 'the builder with its warning and preview');
  // A colour too light for white text (the widget's buttons) is called out.
  await page.getByLabel('Accent colour').fill('#ffd700');
  await page.getByText(/contrast of 1\.\d:1/).waitFor();
  await page.getByLabel('Accent colour').fill('#0f5132');

  await section(page, 'Web sites');
  await page.getByLabel('Site origin').fill(`${hostOrigin}/book`);
  await page.getByRole('button', { name: 'Add site' }).click();
  await page.getByRole('alert').filter({ hasText: /Not added: origin: .* has a path/ }).waitFor();
  await assertAccessible(page, 'Web sites with a refused origin');
  await page.getByLabel('Site origin').fill(hostOrigin);
  await page.getByRole('button', { name: 'Add site' }).click();
  await page.getByRole('status').filter({ hasText: `${hostOrigin} was added.` }).waitFor();
  await page.getByRole('button', { name: `Remove ${hostOrigin}` }).waitFor();

  await section(page, 'Embed builder');
  await page.getByText(`${hostOrigin} is registered.`).waitFor();
  const snippet = await page.locator('pre.code').innerText();
  assert.equal(
    snippet,
    `<script type="module" src="${server.url}/widget.js"></script>\n<thread-scheduling location-ids="den" days="7" style="--thread-accent: #0f5132"></thread-scheduling>`,
  );
  await page.getByRole('button', { name: 'Copy snippet' }).click();
  assert.equal(await page.evaluate('navigator.clipboard.readText()'), snippet);

  // The practice's page, on another origin, with the snippet pasted in.
  hostSnippet = snippet;
  const patient = await browser.newPage();
  await patient.goto(`${hostOrigin}/book`);
  const time = new Intl.DateTimeFormat('en-US', { timeZone: ZONE, hour: 'numeric', minute: '2-digit' }).format(new Date(open.start_datetime));
  await patient.getByRole('button', { name: new RegExp(`${time.replace(/\s/g, '\\s')} Mountain`) }).click();
  await patient.getByLabel('First name').fill('Ada');
  await patient.getByLabel('Last name').fill('Lovelace');
  await patient.getByLabel('Email').fill('ada@example.com');
  await patient.getByLabel('Phone').fill('+1 303 555 0134');
  await patient.getByLabel('Date of birth').fill('1990-04-12');
  await patient.getByRole('button', { name: 'Confirm appointment' }).click();
  await patient.getByRole('heading', { name: /booked/ }).waitFor();
  assert.equal(((await call('GET', `/scheduling/bookings/${open.id}`)).body as Booking).status, 'booked');
  await patient.close();

  await section(page, 'Appointments');
  await page.getByLabel('Location', { exact: true }).selectOption('bos');
  await page.getByText('No upcoming booked appointments.').first().waitFor();
  await page.getByLabel('Location', { exact: true }).selectOption('den');
  const when = new Intl.DateTimeFormat('en-US', { timeZone: ZONE, dateStyle: 'full', timeStyle: 'short' }).format(new Date(open.start_datetime));
  await page.getByRole('heading', { name: when }).waitFor();
  assert.equal(await page.getByText('Lovelace').count(), 0, 'no sign-up until asked for');
  await page.getByRole('button', { name: 'Show sign-up' }).click();
  const signUp = page.getByRole('region', { name: `Sign-up for ${when}` });
  await signUp.getByText('Lovelace').waitFor();
  await signUp.getByText('ada@example.com').waitFor();
  await assertAccessible(page, 'Appointments with a sign-up shown');
  const audit = (await server.thread.store.audit.ofPractice('p1', 0)).filter((e) => e.actor_kind === 'console');
  assert.deepEqual(audit.map((e) => [e.booking_id, e.outcome]), [[open.id, 'read']]);
  await page.getByRole('button', { name: 'Hide sign-up' }).click();
  assert.equal(await page.getByText('Lovelace').count(), 0);
});

test('removing the site: the widget on that page is refused with a clear message', async () => {
  const page = consolePage;
  await section(page, 'Web sites');
  await page.getByRole('button', { name: `Remove ${hostOrigin}` }).click();
  await page.getByRole('status').filter({ hasText: `${hostOrigin} was removed.` }).waitFor();
  const patient = await browser.newPage();
  await patient.goto(`${hostOrigin}/book`);
  await patient.getByText(/not (set up|registered|enabled)/i).first().waitFor();
  await patient.close();
  await section(page, 'Embed builder');
  await page.getByText(`${hostOrigin} is not registered`).waitFor();
});

test('signing out ends the session; the console page never broke its CSP', async () => {
  const page = consolePage;
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByText('You are signed out.').waitFor();
  await page.reload();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  assert.deepEqual(consoleLines.filter((line) => /Content Security Policy|pageerror|Refused/.test(line)), []);
});

test('a session idle past its end: the next action says so and shows the sign-in page', async () => {
  const page = await admin.newPage();
  await page.goto(`${server.url}/console#${await consoleLink(server, 'p1')}`);
  await page.getByRole('heading', { level: 1, name: 'Locations' }).waitFor();
  // As if 8 hours had passed without a request.
  await server.thread.store.write((tx) => tx.sql.run('UPDATE console_sessions SET expires_at = 0'));
  await page.getByRole('navigation').getByRole('button', { name: 'Appointments' }).click();
  await page.getByRole('alert').filter({ hasText: 'Your session has ended. Sign in again with a new link.' }).waitFor();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.close();
});
