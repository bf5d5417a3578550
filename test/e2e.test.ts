// End to end: a practice's page on another origin embeds the widget by script tag; a patient
// in a real headless Chromium books and releases times against a real server and a fresh
// database, and after each step the booking's state is checked through the API.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROME_ARGS, CHROME_PATH } from '../scripts/find-chrome.mjs';
import type { Booking } from '../shared/types.js';
import { addClient, addPractice, api, getToken, startServer, type TestServer } from './helpers/server.js';

const ZONE = 'America/Denver';
const DAY = 86_400_000;

let server: TestServer;
let host: http.Server;
let hostUrl: string;
let browser: Browser;
let call: ReturnType<typeof api>;
let patients: ReturnType<typeof api>;
let oneOff: Booking;
let series: Booking;
let extended: Booking;
let moveFrom: Booking;
let moveTo: Booking;
let late: Booking;

/** `YYYY-MM-DDTHH:mm:00-07:00` for a wall-clock time in Denver `days` from now. */
function denverTime(days: number, hour: number): string {
  const date = new Date(Date.now() + days * DAY);
  const [y, m, d] = new Intl.DateTimeFormat('en-CA', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit' })
    .format(date)
    .split('-');
  const offsetName = new Intl.DateTimeFormat('en-US', { timeZone: ZONE, timeZoneName: 'longOffset' })
    .formatToParts(new Date(`${y}-${m}-${d}T12:00:00Z`))
    .find((p) => p.type === 'timeZoneName')!.value; // GMT-07:00
  return `${y}-${m}-${d}T${String(hour).padStart(2, '0')}:00:00${offsetName.slice(3)}`;
}

/** The accessible name the widget gives a time: weekday, date, time and zone. */
function timeButtonName(start: string): RegExp {
  const date = new Date(start);
  const day = new Intl.DateTimeFormat('en-US', { timeZone: ZONE, weekday: 'long', month: 'long', day: 'numeric' }).format(date);
  const time = new Intl.DateTimeFormat('en-US', { timeZone: ZONE, hour: 'numeric', minute: '2-digit' }).format(date);
  return new RegExp(`^${day}, ${time.replace(/\s/g, '\\s')} Mountain`);
}

async function status(id: string): Promise<string> {
  const response = await call('GET', `/scheduling/bookings/${id}`);
  assert.equal(response.status, 200);
  return (response.body as Booking).status;
}

/** Bookings of the location at one start, as the API lists them. */
async function bookingsAt(start: string, statuses: string[]): Promise<Booking[]> {
  const query = statuses.map((s) => `status=${s}`).join('&');
  const response = await call('GET', `/scheduling/locations/den/bookings?${query}`);
  return (response.body as Booking[]).filter((b) => !b.recurring && Date.parse(b.start_datetime) === Date.parse(start));
}

async function openWidget(): Promise<{ page: Page; console: string[] }> {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  const lines: string[] = [];
  page.on('console', (message) => lines.push(message.text()));
  page.on('pageerror', (error) => lines.push(`pageerror: ${error.message}`));
  await page.goto(hostUrl);
  await page.getByRole('heading', { name: 'Choose a time' }).waitFor();
  return { page, console: lines };
}

/** Clicks the time starting at `start`; when it is not there, fails with what the widget shows instead. */
async function pickTime(page: Page, start: string, console: string[] = []): Promise<void> {
  const button = page.getByRole('button', { name: timeButtonName(start) });
  try {
    await button.click({ timeout: 20_000 });
  } catch (error) {
    const shown = await page.locator('thread-scheduling').innerText().catch(() => '(nothing)');
    throw new Error(`no time button for ${start}: ${(error as Error).message.split('\n')[0]}\nwidget shows: ${shown.slice(0, 1500)}\nconsole: ${console.join(' | ')}`);
  }
}

async function showAllDays(page: Page): Promise<void> {
  const more = page.getByRole('button', { name: /Show more days/ });
  while ((await more.count()) > 0) await more.click();
}

async function fillSignUp(page: Page): Promise<void> {
  await page.getByLabel('First name').fill('Ada');
  await page.getByLabel('Last name').fill('Lovelace');
  await page.getByLabel('Email').fill('ada@example.com');
  await page.getByLabel('Phone').fill('+1 303 555 0134');
  await page.getByLabel('Date of birth').fill('1990-04-12');
}

before(async () => {
  assert.ok(fs.existsSync('dist/widget.js'), 'dist/widget.js is missing: run npm run build first (npm test does)');
  server = await startServer({ realClock: true });
  await addPractice(server, { id: 'p1', name: 'Front Range Orthodontics' }, [{ id: 'den', timezone: ZONE, name: 'Denver' }]);
  const practice = await addClient(server, { id: 'pms', scopes: ['scheduling:read', 'scheduling:write', 'scheduling:patients'], practices: ['p1'] });
  call = api(server.url, await getToken(server.url, practice));
  patients = call;

  const created = await call('POST', '/scheduling/bookings', { start: denverTime(1, 9), location_id: 'den', doctor_id: 'dr-a', length: 45, status: 'open' });
  assert.equal(created.status, 201);
  oneOff = created.body as Booking;
  const weekly = await call('POST', '/scheduling/bookings', { start: denverTime(2, 14), location_id: 'den', doctor_id: 'dr-b', length: 60, recurring: true, status: 'open' });
  assert.equal(weekly.status, 201);
  series = weekly.body as Booking;
  const another = await call('POST', '/scheduling/bookings', { start: denverTime(3, 11), location_id: 'den', doctor_id: 'dr-c', length: 30, status: 'open' });
  assert.equal(another.status, 201);
  extended = another.body as Booking;
  const manageTimes = await Promise.all(
    [
      { start: denverTime(4, 10), doctor_id: 'dr-m' },
      { start: denverTime(5, 10), doctor_id: 'dr-m' },
      // Inside the 24-hour cut-off: it can be booked, not changed online.
      { start: new Date(Math.ceil((Date.now() + 3 * 3_600_000) / 60_000) * 60_000).toISOString(), doctor_id: 'dr-late' },
    ].map((booking) => call('POST', '/scheduling/bookings', { ...booking, location_id: 'den', length: 30, status: 'open' })),
  );
  for (const created of manageTimes) assert.equal(created.status, 201);
  [moveFrom, moveTo, late] = manageTimes.map((created) => created.body as Booking);

  host = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="en"><head><title>Front Range Orthodontics</title>
      <style>* { box-sizing: content-box } html { font-size: 24px } button { all: unset }</style></head>
      <body><h1>Front Range Orthodontics</h1>
      <script type="module" src="${server.url}/widget.js"></script>
      <thread-scheduling location-ids="den"></thread-scheduling>
      <script>
        window.events = [];
        for (const name of ['thread-hold', 'thread-booked', 'thread-release'])
          document.addEventListener(name, (e) => window.events.push({ type: e.type, detail: e.detail }));
      </script></body></html>`);
  });
  await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
  hostUrl = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
  await server.thread.store.directory.createSite({ origin: hostUrl, practice_id: 'p1' }, Date.now());

  browser = await chromium.launch({
    executablePath: CHROME_PATH,
    args: CHROME_ARGS,
  });
});

after(async () => {
  await browser?.close();
  host?.close();
  await server?.close();
});

test('a patient holds a time, goes back (released), then books it; the practice reads the sign-up', async () => {
  const { page, console } = await openWidget();
  await pickTime(page, oneOff.start_datetime, console);
  await page.getByRole('heading', { name: 'Your details' }).waitFor();
  assert.equal(await status(oneOff.id), 'pending', 'picking a time holds it');
  assert.match(await page.getByRole('timer').innerText(), /^\d{1,2}:\d{2}$/);

  await page.getByRole('button', { name: 'Choose another time' }).click();
  await page.getByRole('heading', { name: 'Choose a time' }).waitFor();
  for (let i = 0; i < 50 && (await status(oneOff.id)) !== 'open'; i += 1) await page.waitForTimeout(50);
  assert.equal(await status(oneOff.id), 'open', 'going back releases the hold');

  await pickTime(page, oneOff.start_datetime, console);
  await page.getByRole('heading', { name: 'Your details' }).waitFor();
  assert.equal(await status(oneOff.id), 'pending');
  // A first hold is short; starting on the form lengthens it to HOLD_MINUTES (10).
  assert.match(await page.getByRole('timer').innerText(), /^0?[23]:\d{2}$/);
  await fillSignUp(page);
  await page.getByRole('timer').filter({ hasText: /^(10|0?9):\d{2}$/ }).waitFor();
  await page.getByRole('button', { name: 'Confirm appointment' }).click();
  await page.getByRole('heading', { name: /booked/ }).waitFor();
  assert.equal(await status(oneOff.id), 'booked', 'confirming books it');
  const signUp = await patients('GET', `/scheduling/bookings/${oneOff.id}/patient`);
  assert.equal(signUp.status, 200);
  assert.deepEqual(signUp.body, { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', phone: '+1 303 555 0134', date_of_birth: '1990-04-12' });
  assert.ok(await page.getByRole('link', { name: /Add to calendar/ }).isVisible());

  const events = (await page.evaluate('window.events')) as Array<{ type: string; detail: Record<string, unknown> }>;
  assert.deepEqual(events.map((e) => e.type), ['thread-hold', 'thread-release', 'thread-hold', 'thread-booked']);
  for (const event of events) {
    assert.deepEqual(Object.keys(event.detail).sort(), ['booking_id', 'location_id', 'start_datetime']);
    assert.equal(event.detail.booking_id, oneOff.id);
  }

  // Nothing secret or personal was left in storage, cookies or the console.
  const storage = (await page.evaluate('JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, cookie: document.cookie })')) as string;
  assert.equal(storage, '{"local":{},"session":{},"cookie":""}');
  for (const line of console) assert.doesNotMatch(line, /Ada|Lovelace|ada@example|555 0134|1990-04-12|hold_token|eyJ/);
  assert.equal(page.url(), `${hostUrl}/`, 'the URL carries nothing');
  await page.close();
});

test('a weekly occurrence: holding one week makes a one-off for it, leaving the page releases it, then it is booked', async () => {
  const nextWeek = denverTime(9, 14); // the series' second week, same wall-clock time
  let { page } = await openWidget();
  await showAllDays(page);
  await pickTime(page, nextWeek);
  await page.getByRole('heading', { name: 'Your details' }).waitFor();
  const [standIn] = await bookingsAt(nextWeek, ['pending']);
  assert.ok(standIn, 'the API shows a pending one-off booking for that week');
  assert.equal(standIn.doctor_id, 'dr-b');
  assert.equal(await status(series.id), 'open', 'the weekly booking stays open');

  await page.goto('about:blank'); // the patient leaves: the hold is released on the way out
  // Released, the one-off closes and the week is the weekly booking's to offer again.
  for (let i = 0; i < 50 && (await status(standIn.id)) !== 'closed'; i += 1) await new Promise((r) => setTimeout(r, 50));
  assert.equal(await status(standIn.id), 'closed', 'leaving the page releases the hold');
  assert.deepEqual(await bookingsAt(nextWeek, ['open', 'pending', 'booked']), []);
  await page.close();

  ({ page } = await openWidget());
  await showAllDays(page);
  await pickTime(page, nextWeek);
  await page.getByRole('heading', { name: 'Your details' }).waitFor();
  await fillSignUp(page);
  await page.getByRole('button', { name: 'Confirm appointment' }).click();
  await page.getByRole('heading', { name: /booked/ }).waitFor();

  const booked = await bookingsAt(nextWeek, ['booked']);
  assert.equal(booked.length, 1, 'that week is booked');
  assert.equal(await status(series.id), 'open', 'the series still offers its other weeks');
  await page.close();

  // The booked week is gone from what patients see; the week after is still offered.
  ({ page } = await openWidget());
  await showAllDays(page);
  assert.equal(await page.getByRole('button', { name: timeButtonName(nextWeek) }).count(), 0);
  assert.equal(await page.getByRole('button', { name: timeButtonName(denverTime(2, 14)) }).count(), 1);
  await page.close();
});

test('a site that is not registered sees a clear message, never a blank box', async () => {
  const stranger = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><title>x</title><script type="module" src="${server.url}/widget.js"></script><thread-scheduling location-ids="den"></thread-scheduling>`);
  });
  await new Promise<void>((resolve) => stranger.listen(0, '127.0.0.1', resolve));
  const page = await browser.newPage();
  const lines: string[] = [];
  page.on('console', (message) => lines.push(message.text()));
  await page.goto(`http://127.0.0.1:${(stranger.address() as AddressInfo).port}/`);
  await page.getByText(/not (set up|registered)/i).first().waitFor();
  assert.ok(lines.some((line) => /thread-scheduling/.test(line) && /regist/.test(line)), 'one console line names the problem');
  await page.close();
  stranger.close();
});

test('More time extends the hold: the BFF answers a later expiry and the API booking is held longer', async () => {
  const booking = extended;
  const heldUntil = async () => (await server.thread.store.bookings.get(booking.id))!.hold_expires_at!;
  const { page, console } = await openWidget();
  await showAllDays(page);
  await pickTime(page, booking.start_datetime, console);
  await page.getByRole('heading', { name: 'Your details' }).waitFor();
  assert.equal(await status(booking.id), 'pending');
  assert.match(await page.getByRole('timer').innerText(), /^0?[23]:\d{2}$/, 'a first hold is short');

  let before = { bff: 0, api: await heldUntil() };
  for (const left of [19, 18]) {
    const answered = page.waitForResponse((response) => response.url().endsWith('/bff/v1/holds/extend'));
    await page.getByRole('button', { name: 'More time' }).click();
    const response = await answered;
    assert.equal(response.status(), 200);
    const body = (await response.json()) as { expires_at: string; expires_in: number; extensions_left: number };
    assert.equal(body.extensions_left, left);
    assert.ok(body.expires_in >= 599 && body.expires_in <= 600, `held for HOLD_MINUTES from now: ${body.expires_in}`);
    assert.ok(Date.parse(body.expires_at) > before.bff, 'the BFF answers a later expiry');
    assert.ok((await heldUntil()) > before.api, 'the API booking is held longer');
    await page.getByRole('timer').filter({ hasText: /^(10|0?9):\d{2}$/ }).waitFor();
    before = { bff: Date.parse(body.expires_at), api: await heldUntil() };
  }
  assert.equal(await status(booking.id), 'pending');

  await page.getByRole('button', { name: 'Choose another time' }).click();
  await page.getByRole('heading', { name: 'Choose a time' }).waitFor();
  for (let i = 0; i < 50 && (await status(booking.id)) !== 'open'; i += 1) await page.waitForTimeout(50);
  assert.equal(await status(booking.id), 'open', 'going back still releases it');
  await page.close();
});

/** Books `booking` on the practice's page as a patient; the private manage link the booked step shows, and the calendar file. */
async function bookAndKeepLink(booking: Booking): Promise<{ link: string; calendar: string }> {
  const { page, console } = await openWidget();
  await showAllDays(page);
  await pickTime(page, booking.start_datetime, console);
  await page.getByRole('heading', { name: 'Your details' }).waitFor();
  await fillSignUp(page);
  await page.getByRole('button', { name: 'Confirm appointment' }).click();
  await page.getByRole('heading', { name: /booked/ }).waitFor();
  const link = (await page.getByRole('link', { name: 'Change or cancel this appointment' }).getAttribute('href'))!;
  const file = (await page.getByRole('link', { name: /Add to calendar/ }).getAttribute('href'))!;
  const calendar = (await page.evaluate(async (href) => (await fetch(href)).text(), file)) as string;
  await page.close();
  return { link, calendar };
}

/** The manage link opened in a fresh browser (no cookies, no storage, nothing of the booking page). */
async function openLink(link: string): Promise<{ page: Page; close: () => Promise<void> }> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await page.goto(link);
  await page.locator('thread-scheduling [part~="manage"], thread-scheduling #failure').first().waitFor();
  return { page, close: () => context.close() };
}

async function openTimes(): Promise<string[]> {
  const response = await fetch(`${server.url}/bff/v1/schedule?location_ids=den&days=14`, { headers: { origin: hostUrl } });
  assert.equal(response.status, 200);
  const body = (await response.json()) as { locations: Array<{ slots: Array<{ booking_id: string }> }> };
  return body.locations[0].slots.map((slot) => slot.booking_id);
}

test('the manage link: booked, its link in the calendar file, opened in a fresh browser, moved, then cancelled', async () => {
  const { link, calendar } = await bookAndKeepLink(moveFrom);
  assert.match(link, new RegExp(`^${server.url}/manage#[A-Za-z0-9_-]{43}$`), 'the secret only in the fragment');
  assert.ok(calendar.replace(/\r\n /g, '').includes(`URL:${link}\r\n`), 'the calendar file carries the link');
  assert.equal(await status(moveFrom.id), 'booked');

  let { page, close } = await openLink(link);
  assert.equal(page.url(), `${server.url}/manage`, 'the secret leaves the address bar');
  await page.getByRole('heading', { name: 'Appointment details' }).waitFor();
  await page.getByRole('button', { name: 'Change time' }).click();
  await page.getByRole('heading', { name: 'Choose a new time' }).waitFor();
  await showAllDays(page);
  await pickTime(page, moveTo.start_datetime);
  await page.getByRole('button', { name: 'Move appointment' }).click();
  await page.getByRole('heading', { name: 'Your appointment is moved' }).waitFor();
  // Both bookings through the API: the new time booked with the sign-up, the old one open without it.
  assert.equal(await status(moveTo.id), 'booked');
  assert.equal(await status(moveFrom.id), 'open');
  const signUp = await patients('GET', `/scheduling/bookings/${moveTo.id}/patient`);
  assert.deepEqual(signUp.body, { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', phone: '+1 303 555 0134', date_of_birth: '1990-04-12' });
  assert.equal((await patients('GET', `/scheduling/bookings/${moveFrom.id}/patient`)).status, 404);
  assert.ok((await openTimes()).includes(moveFrom.id), 'the old time is offered again');
  await close();

  // The same link, opened again, now stands for the new time: cancel it.
  ({ page, close } = await openLink(link));
  await page.getByRole('button', { name: 'Cancel appointment' }).click();
  await page.getByRole('button', { name: 'Yes, cancel it' }).click();
  await page.getByRole('heading', { name: 'Your appointment is cancelled' }).waitFor();
  assert.equal(await status(moveTo.id), 'open');
  assert.ok((await openTimes()).includes(moveTo.id), 'the cancelled time is listed by the BFF again');
  const storage = (await page.evaluate('JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, cookie: document.cookie })')) as string;
  assert.equal(storage, '{"local":{},"session":{},"cookie":""}');
  await close();

  // Spent: the link says so, and nothing more.
  ({ page, close } = await openLink(link));
  await page.locator('thread-scheduling #failure').getByText('This link is no longer valid').waitFor();
  await close();
});

test('the manage link inside the cut-off: how to reach the practice, and the server refuses a cancel', async () => {
  const { link } = await bookAndKeepLink(late);
  const { page, close } = await openLink(link);
  await page.getByText('it can no longer be changed or cancelled online').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Cancel appointment' }).count(), 0);
  assert.match(await page.locator('thread-scheduling [part~="contact"]').innerText(), /Denver/);
  await close();
  const refused = await fetch(`${server.url}/bff/v1/manage/cancel`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ manage_token: link.slice(link.indexOf('#') + 1) }),
  });
  assert.equal(refused.status, 409);
  assert.equal(((await refused.json()) as { reason: string }).reason, 'past_cutoff');
  assert.equal(await status(late.id), 'booked');
});
