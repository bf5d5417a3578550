import { aTimeout, expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import { define, ThreadScheduling } from '../index.js';
import type {
  BookingEventDetail,
  ConfirmRequest,
  ConfirmResponse,
  ErrorBody,
  ExtendResponse,
  HoldChallenge,
  HoldRequest,
  HoldResponse,
  ManageCancelResponse,
  ManageView,
  ScheduleLocation,
  ScheduleResponse,
  SignUp,
} from '../../shared/types.js';

// ---------------------------------------------------------------- test data

const DENVER: ScheduleLocation = {
  id: 'dr556',
  name: 'ABC 123 Orthodontics – Downtown',
  timezone: 'America/Denver',
  website: 'https://abc123ortho.example',
  street_address: '1600 Glenarm Pl',
  secondary_address: 'Suite 200',
  city: 'Denver',
  state: 'CO',
  zip: '80202',
  slots: [
    // Tuesday 9:00 AM and 10:30 AM in Denver (MST, UTC-7)
    { booking_id: 'bk-1', start_datetime: '2030-01-15T16:00:00Z', length: 45, doctor_id: 'doc-1' },
    { booking_id: 'bk-2', start_datetime: '2030-01-15T17:30:00Z', length: 45, doctor_id: 'doc-1' },
    // Wednesday 05:30 UTC is still Tuesday 10:30 PM in Denver
    { booking_id: 'bk-3', start_datetime: '2030-01-16T05:30:00Z', length: 30, doctor_id: 'doc-2' },
    // Thursday 8:00 AM
    { booking_id: 'bk-4', start_datetime: '2030-01-17T15:00:00Z', length: 45, doctor_id: 'doc-1' },
  ],
};

const BERLIN: ScheduleLocation = {
  id: 'b2rGH',
  name: 'ABC 123 Orthodontics – Berlin',
  timezone: 'Europe/Berlin',
  website: '',
  street_address: 'Friedrichstraße 68',
  secondary_address: '',
  city: 'Berlin',
  state: '',
  zip: '10117',
  slots: [
    // Tuesday 9:00 AM in Berlin (CET, UTC+1)
    { booking_id: 'bk-10', start_datetime: '2030-01-15T08:00:00Z', length: 30, doctor_id: 'doc-9' },
    // The same instant as Denver's Tuesday 10:30 PM: Wednesday 6:30 AM in Berlin
    { booking_id: 'bk-11', start_datetime: '2030-01-16T05:30:00Z', length: 30, doctor_id: 'doc-9' },
  ],
};

const PATIENT: SignUp = {
  first_name: 'Zelda',
  last_name: 'Quixote-Marsh',
  email: 'zelda.qm@example.org',
  phone: '(303) 555-0199',
  date_of_birth: '2011-04-12',
};

const HOLD_TOKEN = 'hold-SECRET-7f3a9c';

function schedule(...locations: ScheduleLocation[]): ScheduleResponse {
  return { from: '2030-01-14T00:00:00Z', to: '2030-01-28T00:00:00Z', locations };
}

// ---------------------------------------------------------------- a fake BFF

interface Call {
  method: string;
  url: URL;
  init: RequestInit;
  body: unknown;
}

type Handler = (call: Call) => Response | Promise<Response>;

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

function problem(status: number, body: ErrorBody, headers?: Record<string, string>): Response {
  return json(status, body, headers);
}

class FakeBff {
  calls: Call[] = [];
  schedules: ScheduleResponse[] = [schedule(DENVER)];
  holdSeconds = 600;
  challenges = 0;
  handlers: Record<string, Handler> = {
    'GET /bff/v1/holds/challenge': () => {
      const challenge: HoldChallenge = { challenge: `challenge-${(this.challenges += 1)}`, bits: 8, expires_at: new Date(Date.now() + 120_000).toISOString() };
      return json(200, challenge);
    },
    'POST /bff/v1/holds/extend': () => {
      const longer: ExtendResponse = { expires_at: new Date(Date.now() + 600_000).toISOString(), expires_in: 600, extensions_left: 19 };
      return json(200, longer);
    },
    'GET /bff/v1/schedule': () => json(200, this.schedules.length > 1 ? this.schedules.shift() : this.schedules[0]),
    'POST /bff/v1/holds': (call) => {
      const request = call.body as HoldRequest;
      const hold: HoldResponse = {
        hold_token: HOLD_TOKEN,
        booking_id: `${request.booking_id}-held`,
        location_id: request.location_id,
        start_datetime: request.start_datetime,
        length: 45,
        expires_at: new Date(Date.now() + this.holdSeconds * 1000).toISOString(),
        expires_in: this.holdSeconds,
      };
      return json(201, hold);
    },
    'POST /bff/v1/holds/release': () => new Response(null, { status: 204 }),
    'POST /bff/v1/holds/confirm': () => {
      const booked: ConfirmResponse = {
        booking_id: 'bk-1-held',
        location_id: 'dr556',
        start_datetime: '2030-01-15T16:00:00Z',
        length: 45,
        status: 'booked',
      };
      return json(200, booked);
    },
  };

  fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(String(input));
    const method = (init.method ?? 'GET').toUpperCase();
    const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
    const call = { method, url, init, body };
    this.calls.push(call);
    const handler = this.handlers[`${method} ${url.pathname}`];
    if (!handler) return problem(404, { status: 'not_found', message: 'no such route' });
    return handler(call);
  };

  on(route: string, handler: Handler) {
    this.handlers[route] = handler;
  }

  made(route: string): Call[] {
    return this.calls.filter((call) => `${call.method} ${call.url.pathname}` === route);
  }
}

// ---------------------------------------------------------------- helpers

let bff: FakeBff;
let consoleLines: string[];
const realFetch = window.fetch;
const realConsole = { ...console };

beforeEach(() => {
  bff = new FakeBff();
  window.fetch = bff.fetch as typeof window.fetch;
  consoleLines = [];
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    console[level] = (...args: unknown[]) => {
      consoleLines.push(args.map(String).join(' '));
    };
  }
  localStorage.clear();
  sessionStorage.clear();
});

afterEach(() => {
  window.fetch = realFetch;
  Object.assign(console, realConsole);
});

/** Our own console lines (not the dev-mode notes of Lit or the test runner). */
function widgetLines(): string[] {
  return consoleLines.filter((line) => line.startsWith('thread-scheduling:'));
}

function root(el: ThreadScheduling): ShadowRoot {
  return el.shadowRoot!;
}

/** What a person reads, with whitespace (including Intl's narrow spaces) made plain. */
function visibleText(node: ParentNode | null | undefined): string {
  return (node?.textContent ?? '').replace(/\s+/g, ' ').trim();
}

function nameOf(element: Element): string {
  return visibleText({ textContent: element.getAttribute('aria-label') ?? element.textContent } as ParentNode);
}

function control(el: ThreadScheduling, name: string | RegExp): HTMLElement {
  const found = [...root(el).querySelectorAll<HTMLElement>('button, a[href]')].find((element) =>
    typeof name === 'string' ? nameOf(element) === name : name.test(nameOf(element)),
  );
  if (!found) throw new Error(`no button or link named ${name}`);
  return found;
}

function timeButtons(el: ThreadScheduling): HTMLButtonElement[] {
  return [...root(el).querySelectorAll<HTMLButtonElement>('button[part~="time"]')];
}

function heading(el: ThreadScheduling, text: string): HTMLElement | undefined {
  return [...root(el).querySelectorAll<HTMLElement>('h2, h3, h4')].find(
    (element) => visibleText(element) === text,
  );
}

function field(el: ThreadScheduling, label: string): HTMLInputElement {
  const found = [...root(el).querySelectorAll('label')].find((element) => visibleText(element) === label);
  if (!found) throw new Error(`no field labelled ${label}`);
  return root(el).getElementById(found.htmlFor) as HTMLInputElement;
}

function errorFor(el: ThreadScheduling, input: HTMLInputElement): string {
  const id = input.getAttribute('aria-describedby');
  return id ? visibleText(root(el).getElementById(id)) : '';
}

function announced(el: ThreadScheduling): string {
  return visibleText(root(el).querySelector('[role="status"]'));
}

function focused(el: ThreadScheduling): Element | null {
  return root(el).activeElement;
}

async function loaded(el: ThreadScheduling) {
  await waitUntil(() => !root(el).querySelector('.skeleton'), 'the times never loaded');
  await el.updateComplete;
}

async function render(template = html`<thread-scheduling location-ids="dr556"></thread-scheduling>`) {
  const el = await fixture<ThreadScheduling>(template);
  await loaded(el);
  return el;
}

async function holdFirstTime(el: ThreadScheduling, formHeading = 'Your details') {
  timeButtons(el)[0].click();
  await waitUntil(() => heading(el, formHeading), 'the form never showed');
  await el.updateComplete;
}

function fill(el: ThreadScheduling, values: Partial<SignUp>) {
  const labels: Record<keyof SignUp, string> = {
    first_name: 'First name',
    last_name: 'Last name',
    email: 'Email',
    phone: 'Phone',
    date_of_birth: 'Date of birth',
  };
  for (const [key, value] of Object.entries(values) as Array<[keyof SignUp, string]>) {
    const input = field(el, labels[key]);
    input.value = value;
    input.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
  }
}

// ---------------------------------------------------------------- the tests

describe('<thread-scheduling>', () => {
  it('shows a loading skeleton while the schedule comes', async () => {
    let answer!: (response: Response) => void;
    bff.on('GET /bff/v1/schedule', () => new Promise<Response>((resolve) => (answer = resolve)));
    const el = await fixture<ThreadScheduling>(html`<thread-scheduling location-ids="dr556"></thread-scheduling>`);
    expect(visibleText(root(el))).to.contain('Loading open times…');
    expect(root(el).querySelector('.skeleton')).to.exist;
    await expect(el).to.be.accessible();
    answer(json(200, schedule(DENVER)));
    await loaded(el);
    expect(timeButtons(el)).to.have.length(4);
  });

  it('lists open times by day on the location’s wall clock, with the zone named', async () => {
    const el = await render();
    expect(bff.calls).to.have.length(1);
    const [call] = bff.calls;
    expect(call.method).to.equal('GET');
    expect(call.url.pathname + call.url.search).to.equal('/bff/v1/schedule?location_ids=dr556&days=14');

    expect(heading(el, 'Book an appointment')).to.exist;
    expect(visibleText(root(el))).to.contain('ABC 123 Orthodontics – Downtown');
    expect(visibleText(root(el))).to.contain('Times are in Mountain Time.');

    const days = [...root(el).querySelectorAll('h4')].map(visibleText);
    expect(days).to.deep.equal(['Tuesday, January 15', 'Thursday, January 17']);
    const tuesday = root(el).querySelector('ul[aria-labelledby="day-2030-01-15"]')!;
    expect([...tuesday.querySelectorAll('button')].map(visibleText)).to.deep.equal(['9:00 AM', '10:30 AM', '10:30 PM']);
    expect(timeButtons(el).map(nameOf)).to.deep.equal([
      'Tuesday, January 15, 9:00 AM Mountain Standard Time',
      'Tuesday, January 15, 10:30 AM Mountain Standard Time',
      'Tuesday, January 15, 10:30 PM Mountain Standard Time',
      'Thursday, January 17, 8:00 AM Mountain Standard Time',
    ]);
    await expect(el).to.be.accessible();
  });

  it('offers a picker when there are several locations, each in its own zone', async () => {
    bff.schedules = [schedule(DENVER, BERLIN)];
    const el = await render(html`<thread-scheduling location-ids="dr556, b2rGH"></thread-scheduling>`);
    expect(bff.calls[0].url.searchParams.get('location_ids')).to.equal('dr556,b2rGH');

    const picker = root(el).querySelector('fieldset')!;
    expect(visibleText(picker.querySelector('legend'))).to.equal('Location');
    const radios = [...picker.querySelectorAll<HTMLInputElement>('input[type="radio"]')];
    expect(radios.map((radio) => visibleText(radio.closest('label')))).to.deep.equal([
      'ABC 123 Orthodontics – Downtown 1600 Glenarm Pl, Suite 200 Denver, CO 80202',
      'ABC 123 Orthodontics – Berlin Friedrichstraße 68 Berlin, 10117',
    ]);
    expect(radios[0].checked).to.be.true;
    expect(visibleText(timeButtons(el)[0])).to.equal('9:00 AM');
    await expect(el).to.be.accessible();

    radios[1].click();
    await el.updateComplete;
    expect(visibleText(root(el))).to.contain('Times are in Central European Time.');
    expect([...root(el).querySelectorAll('h4')].map(visibleText)).to.deep.equal([
      'Tuesday, January 15',
      'Wednesday, January 16',
    ]);
    expect(timeButtons(el).map(nameOf)).to.deep.equal([
      'Tuesday, January 15, 9:00 AM Central European Standard Time',
      'Wednesday, January 16, 6:30 AM Central European Standard Time',
    ]);
    expect(bff.calls).to.have.length(1);
    await expect(el).to.be.accessible();
  });

  it('shows five days at a time, and more on request', async () => {
    const slots = Array.from({ length: 12 }, (_, day) => ({
      booking_id: `bk-day-${day}`,
      start_datetime: new Date(Date.UTC(2030, 0, 14 + day, 16)).toISOString(),
      length: 45,
      doctor_id: 'doc-1',
    }));
    bff.schedules = [schedule({ ...DENVER, slots })];
    const el = await render();
    expect(root(el).querySelectorAll('h4')).to.have.length(5);
    await expect(el).to.be.accessible();
    control(el, 'Show more days').click();
    await el.updateComplete;
    expect(root(el).querySelectorAll('h4')).to.have.length(10);
    await waitUntil(() => focused(el) === timeButtons(el)[5], 'focus did not move to the first new time');
    expect(nameOf(timeButtons(el)[5])).to.equal('Saturday, January 19, 9:00 AM Mountain Standard Time');
    control(el, 'Show more days').click();
    await el.updateComplete;
    expect(root(el).querySelectorAll('h4')).to.have.length(12);
    expect(() => control(el, 'Show more days')).to.throw();
    expect(bff.calls).to.have.length(1);
  });

  it('holds a time: countdown, form, focus, announcement and thread-hold', async () => {
    const el = await render();
    const event = oneEvent(el, 'thread-hold');
    timeButtons(el)[0].click();
    const { detail, bubbles, composed } = (await event) as CustomEvent<BookingEventDetail>;
    expect(bubbles && composed).to.be.true;
    expect(detail).to.deep.equal({
      booking_id: 'bk-1-held',
      location_id: 'dr556',
      start_datetime: '2030-01-15T16:00:00Z',
    });
    const [hold] = bff.made('POST /bff/v1/holds');
    const { challenge, nonce, ...rest } = hold.body as HoldRequest;
    expect(rest).to.deep.equal({
      location_id: 'dr556',
      booking_id: 'bk-1',
      start_datetime: '2030-01-15T16:00:00Z',
      website: '',
    });
    // The proof of work the challenge asked for: SHA-256(challenge + nonce) starts with 8 zero bits.
    expect(bff.made('GET /bff/v1/holds/challenge')[0].url.search).to.equal('?location_id=dr556');
    expect(challenge).to.equal('challenge-1');
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(challenge + nonce)));
    expect(digest[0]).to.equal(0);
    expect(new Headers(hold.init.headers).get('content-type')).to.equal('application/json');

    await waitUntil(() => heading(el, 'Your details'));
    await el.updateComplete;
    expect(focused(el)).to.equal(heading(el, 'Your details'));
    const text = visibleText(root(el));
    expect(text).to.contain('Tuesday, January 15, 2030 9:00 AM Mountain Standard Time');
    expect(visibleText(root(el).querySelector('[role="timer"]'))).to.match(/^(10:00|09:5\d)$/);
    expect(announced(el)).to.contain('Tuesday, January 15, 9:00 AM is held for you');

    // The form: labelled fields with the right types and autocomplete.
    const expected = [
      ['First name', 'text', 'given-name'],
      ['Last name', 'text', 'family-name'],
      ['Email', 'email', 'email'],
      ['Phone', 'tel', 'tel'],
      ['Date of birth', 'date', 'bday'],
    ];
    for (const [label, type, autocomplete] of expected) {
      const input = field(el, label);
      expect(input.type, label).to.equal(type);
      expect(input.autocomplete, label).to.equal(autocomplete);
      expect(input.required, label).to.be.true;
    }
    await expect(el).to.be.accessible();
  });

  it('lengthens the short first hold once the patient starts on the form', async () => {
    bff.holdSeconds = 180;
    const el = await render();
    await holdFirstTime(el);
    expect(visibleText(root(el).querySelector('[role="timer"]'))).to.match(/^(3:00|2:5\d|03:00|02:5\d)$/);
    expect(bff.made('POST /bff/v1/holds/extend')).to.have.length(0);
    fill(el, { first_name: 'Zelda' });
    await waitUntil(() => /^(10:00|09:5\d)$/.test(visibleText(root(el).querySelector('[role="timer"]'))), 'the countdown was not lengthened');
    fill(el, { last_name: 'Quill', email: 'z@example.org' });
    await el.updateComplete;
    const extends_ = bff.made('POST /bff/v1/holds/extend');
    expect(extends_).to.have.length(1);
    expect(extends_[0].body).to.deep.equal({ hold_token: HOLD_TOKEN });
  });

  describe('more time (WCAG 2.2.1)', () => {
    function timer(el: ThreadScheduling): string {
      return visibleText(root(el).querySelector('[role="timer"]'));
    }

    function holdMessage(el: ThreadScheduling): string {
      return visibleText(root(el).querySelector('[part~="hold-message"]'));
    }

    /** Changes to the polite live region from now on. */
    function countAnnouncements(el: ThreadScheduling): () => number {
      let changes = 0;
      const observer = new MutationObserver(() => (changes += 1));
      observer.observe(root(el).querySelector('[role="status"]')!, { childList: true, characterData: true, subtree: true });
      return () => {
        observer.disconnect();
        return changes;
      };
    }

    it('warns politely before the hold ends, once, and again near the end', async () => {
      bff.holdSeconds = 121;
      const el = await render();
      await holdFirstTime(el);
      expect(holdMessage(el)).to.equal('');
      await waitUntil(() => holdMessage(el), 'no warning before the end', { timeout: 4000 });
      const warning = '2 minutes left to confirm your appointment. Need longer? Choose “More time”.';
      expect(holdMessage(el)).to.equal(warning);
      expect(announced(el)).to.equal(warning);
      const live = root(el).querySelector('[role="status"]')!;
      expect(live.getAttribute('aria-live')).to.equal('polite');
      expect(control(el, 'More time')).to.exist;
      // The clock keeps ticking, but the warning is said once, not every second.
      const announcements = countAnnouncements(el);
      await aTimeout(1200);
      expect(announcements()).to.equal(0);
      expect(timer(el)).to.match(/^01:5\d$/);
      await expect(el).to.be.accessible();

      // Another time, held for less: the last warning comes near the end.
      control(el, 'Choose another time').click();
      await waitUntil(() => heading(el, 'Choose a time'));
      await loaded(el);
      bff.holdSeconds = 31;
      await holdFirstTime(el);
      await waitUntil(() => holdMessage(el), 'no warning near the end', { timeout: 4000 });
      expect(holdMessage(el)).to.equal('30 seconds left to confirm your appointment. Need longer? Choose “More time”.');
      expect(announced(el)).to.equal(holdMessage(el));
      await expect(el).to.be.accessible();
    });

    it('More time extends the hold: the request is made and the countdown grows, ten times and more', async () => {
      bff.holdSeconds = 180;
      let extensions = 0;
      bff.on('POST /bff/v1/holds/extend', () => {
        extensions += 1;
        const seconds = 300 + 30 * extensions;
        return json(200, { expires_at: new Date(Date.now() + seconds * 1000).toISOString(), expires_in: seconds, extensions_left: 20 - extensions });
      });
      const el = await render();
      await holdFirstTime(el);
      expect(timer(el)).to.match(/^0(3:00|2:5\d)$/);
      for (let n = 1; n <= 12; n += 1) {
        const button = control(el, 'More time');
        button.focus();
        button.click();
        const seconds = 300 + 30 * n;
        const shown = `${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
        await waitUntil(() => timer(el) === shown || bff.made('POST /bff/v1/holds/extend').length > n, `press ${n}: the countdown did not show ${shown}`);
        expect(timer(el), `press ${n}`).to.equal(shown);
        expect(bff.made('POST /bff/v1/holds/extend'), `press ${n}`).to.have.length(n);
        await el.updateComplete;
        // (A boolean: a failed comparison of elements would make the runner serialize them whole.)
        expect(focused(el) === control(el, 'More time'), `press ${n}: focus stays on the button`).to.be.true;
      }
      for (const call of bff.made('POST /bff/v1/holds/extend')) expect(call.body).to.deep.equal({ hold_token: HOLD_TOKEN });
      expect(announced(el)).to.equal('More time added: the time is held for you for 11 minutes.');
      expect(holdMessage(el)).to.equal('');
      await expect(el).to.be.accessible();
    });

    it('says plainly when no more time can be had, and the button goes', async () => {
      bff.on('POST /bff/v1/holds/extend', () =>
        json(200, { expires_at: new Date(Date.now() + 600_000).toISOString(), expires_in: 600, extensions_left: 0 }),
      );
      const el = await render();
      await holdFirstTime(el);
      control(el, 'More time').click();
      const plain = 'This time cannot be held any longer. Please confirm before the countdown ends.';
      await waitUntil(() => holdMessage(el) === plain, 'no message when the last extension was spent');
      expect(() => control(el, 'More time')).to.throw();
      expect(announced(el)).to.equal(plain);
      await waitUntil(() => focused(el) === root(el).querySelector('[part~="hold-message"]'), 'focus was lost with the button');
      await expect(el).to.be.accessible();
    });

    it('says so when the hold has reached its longest life (the BFF answers the same expiry again)', async () => {
      bff.holdSeconds = 180;
      const capped = new Date(Date.now() + 400_000).toISOString();
      bff.on('POST /bff/v1/holds/extend', () => json(200, { expires_at: capped, expires_in: 400, extensions_left: 15 }));
      const el = await render();
      await holdFirstTime(el);
      control(el, 'More time').click();
      await waitUntil(() => /^0(6:40|6:3\d)$/.test(visibleText(root(el).querySelector('[role="timer"]'))), 'the first extension did not count');
      await el.updateComplete;
      expect(control(el, 'More time')).to.exist;
      control(el, 'More time').click();
      const plain = 'This time cannot be held any longer. Please confirm before the countdown ends.';
      await waitUntil(() => holdMessage(el) === plain, 'no message at the longest life');
      expect(() => control(el, 'More time')).to.throw();
      await expect(el).to.be.accessible();
    });

    it('says so too when the BFF refuses more time (409 extend_limit), and keeps the button after a failure it can retry', async () => {
      bff.on('POST /bff/v1/holds/extend', () => Promise.reject(new TypeError('Failed to fetch')));
      const el = await render();
      await holdFirstTime(el);
      control(el, 'More time').click();
      await waitUntil(() => holdMessage(el), 'no message when the request failed');
      expect(holdMessage(el)).to.equal('We could not connect to the booking service. Please check your connection and try again.');
      expect(control(el, 'More time')).to.exist;
      await expect(el).to.be.accessible();

      bff.on('POST /bff/v1/holds/extend', () =>
        problem(409, { status: 'conflict', reason: 'extend_limit', message: 'This hold cannot be extended any more.' }),
      );
      control(el, 'More time').click();
      const plain = 'This time cannot be held any longer. Please confirm before the countdown ends.';
      await waitUntil(() => holdMessage(el) === plain, 'no message on extend_limit');
      expect(() => control(el, 'More time')).to.throw();
      expect(announced(el)).to.equal(plain);
      expect(heading(el, 'Your details')).to.exist;
      await expect(el).to.be.accessible();
    });

    it('goes back to the times when the hold is already gone on the server', async () => {
      bff.on('POST /bff/v1/holds/extend', () => problem(410, { status: 'gone', reason: 'hold_expired', message: 'hold expired' }));
      const el = await render();
      await holdFirstTime(el);
      const released = oneEvent(el, 'thread-release');
      control(el, 'More time').click();
      await released;
      await waitUntil(() => heading(el, 'Choose a time'));
      expect(visibleText(root(el))).to.contain('Your hold on that time ran out. Please choose a time again.');
    });
  });

  it('asks for a new challenge once when the price of a hold rose meanwhile', async () => {
    let tries = 0;
    const held = bff.handlers['POST /bff/v1/holds'];
    bff.on('POST /bff/v1/holds', (call) =>
      (tries += 1) === 1
        ? problem(403, { status: 'unauthorized', reason: 'proof_too_weak', message: 'The hold now needs a proof of 16 bits.' })
        : held(call),
    );
    const el = await render();
    await holdFirstTime(el);
    expect(bff.made('GET /bff/v1/holds/challenge')).to.have.length(2);
    expect((bff.made('POST /bff/v1/holds')[1].body as HoldRequest).challenge).to.equal('challenge-2');
  });

  it('counts down and releases the hold when it runs out', async () => {
    bff.holdSeconds = 1;
    bff.schedules = [schedule(DENVER), schedule(DENVER)];
    const el = await render();
    await holdFirstTime(el);
    const released = oneEvent(el, 'thread-release');
    const { detail } = (await released) as CustomEvent<BookingEventDetail>;
    expect(detail).to.deep.equal({
      booking_id: 'bk-1-held',
      location_id: 'dr556',
      start_datetime: '2030-01-15T16:00:00Z',
    });
    await waitUntil(() => bff.made('GET /bff/v1/schedule').length === 2, 'the list was not refreshed');
    expect(bff.made('POST /bff/v1/holds/release')[0].body).to.deep.equal({ hold_token: HOLD_TOKEN });
    await el.updateComplete;
    expect(visibleText(root(el))).to.contain('Your hold on that time ran out. Please choose a time again.');
    expect(announced(el)).to.contain('Your hold on that time ran out');
    expect(focused(el)).to.equal(heading(el, 'Choose a time'));
    expect(timeButtons(el)).to.have.length(4);
    await expect(el).to.be.accessible();
  });

  it('going back releases the hold and fires thread-release', async () => {
    const el = await render();
    await holdFirstTime(el);
    const released = oneEvent(el, 'thread-release');
    control(el, 'Choose another time').click();
    const { detail } = (await released) as CustomEvent<BookingEventDetail>;
    expect(detail).to.deep.equal({
      booking_id: 'bk-1-held',
      location_id: 'dr556',
      start_datetime: '2030-01-15T16:00:00Z',
    });
    await waitUntil(() => heading(el, 'Choose a time'));
    const [release] = bff.made('POST /bff/v1/holds/release');
    expect(release.body).to.deep.equal({ hold_token: HOLD_TOKEN });
    expect(new Headers(release.init.headers).get('content-type')).to.equal('application/json');
    await el.updateComplete;
    expect(focused(el)).to.equal(heading(el, 'Choose a time'));
    expect(timeButtons(el)).to.have.length(4);
    await expect(el).to.be.accessible();
  });

  it('going back asks for the fresh list only once the release is answered, so the time given back is in it', async () => {
    const el = await render();
    await holdFirstTime(el);
    let answerRelease: (response: Response) => void = () => {};
    bff.on('POST /bff/v1/holds/release', () => new Promise<Response>((resolve) => (answerRelease = resolve)));
    const before = bff.made('GET /bff/v1/schedule').length;
    control(el, 'Choose another time').click();
    await waitUntil(() => heading(el, 'Choose a time'));
    await aTimeout(50);
    expect(bff.made('GET /bff/v1/schedule')).to.have.length(before, 'no refresh while the release is on its way');
    expect(timeButtons(el)).to.have.length(4, 'the list on screen stays meanwhile');
    answerRelease(new Response(null, { status: 204 }));
    await waitUntil(() => bff.made('GET /bff/v1/schedule').length === before + 1);
  });

  it('says so when someone else took the time, and refreshes the list', async () => {
    const { slots } = DENVER;
    bff.schedules = [schedule(DENVER), schedule({ ...DENVER, slots: slots.slice(1) })];
    bff.on('POST /bff/v1/holds', () =>
      problem(409, { status: 'conflict', message: 'booking is pending', reason: 'slot_taken' }),
    );
    const el = await render();
    timeButtons(el)[0].click();
    await waitUntil(() => bff.made('GET /bff/v1/schedule').length === 2);
    await waitUntil(() => timeButtons(el).length === 3, 'the taken time is still listed');
    const message = 'Sorry, someone else just booked that time. Here are the times that are still open.';
    expect(visibleText(root(el))).to.contain(message);
    expect(announced(el)).to.contain(message);
    expect(timeButtons(el).map(nameOf)).not.to.include('Tuesday, January 15, 9:00 AM Mountain Standard Time');
    expect(widgetLines()).to.deep.equal([]);
    await expect(el).to.be.accessible();
  });

  it('says so when too many tries are made, with the wait from Retry-After', async () => {
    bff.on('POST /bff/v1/holds', () =>
      problem(429, { status: 'too_many_requests', message: 'slow down', reason: 'rate_limited' }, { 'retry-after': '30' }),
    );
    const el = await render();
    timeButtons(el)[0].click();
    await waitUntil(() => root(el).querySelector('.notice'));
    expect(visibleText(root(el).querySelector('.notice'))).to.equal(
      'Too many tries. Please wait 30 seconds and try again.',
    );
    expect(widgetLines()).to.have.length(1);
    await expect(el).to.be.accessible();
  });

  it('checks the form in the browser: inline errors, focus on the first one', async () => {
    const el = await render();
    await holdFirstTime(el);
    control(el, 'Confirm appointment').click();
    await el.updateComplete;
    await waitUntil(() => focused(el) === field(el, 'First name'), 'focus did not move to the first field');
    for (const label of ['First name', 'Last name', 'Email', 'Phone', 'Date of birth']) {
      const input = field(el, label);
      expect(input.getAttribute('aria-invalid'), label).to.equal('true');
      expect(errorFor(el, input), label).to.contain('Please fill in this field.');
    }
    expect(announced(el)).to.contain('Please correct 5 fields.');
    expect(bff.made('POST /bff/v1/holds/confirm')).to.have.length(0);
    await expect(el).to.be.accessible();

    fill(el, { ...PATIENT, email: 'zelda@', phone: '12' });
    control(el, 'Confirm appointment').click();
    await waitUntil(() => focused(el) === field(el, 'Email'));
    expect(errorFor(el, field(el, 'Email'))).to.equal('Enter an email address like name@example.com.');
    expect(errorFor(el, field(el, 'Phone'))).to.equal('Enter a phone number with at least 7 digits.');
    expect(field(el, 'First name').getAttribute('aria-invalid')).to.equal('false');
    expect(bff.made('POST /bff/v1/holds/confirm')).to.have.length(0);
    await expect(el).to.be.accessible();

    // The checks are the server's own (shared/sign-up.ts): names too, before any round trip.
    fill(el, { ...PATIENT, first_name: 'R2-D2' });
    control(el, 'Confirm appointment').click();
    await waitUntil(() => focused(el) === field(el, 'First name'));
    expect(errorFor(el, field(el, 'First name'))).to.equal('Please check the first name.');
    expect(bff.made('POST /bff/v1/holds/confirm')).to.have.length(0);
  });

  it('shows the server’s field errors inline', async () => {
    bff.on('POST /bff/v1/holds/confirm', () =>
      problem(400, {
        status: 'bad_request',
        message: 'invalid fields',
        reason: 'invalid_fields',
        fields: { phone: 'invalid', date_of_birth: 'too_old' },
      }),
    );
    const el = await render();
    await holdFirstTime(el);
    fill(el, PATIENT);
    control(el, 'Confirm appointment').click();
    await waitUntil(() => focused(el) === field(el, 'Phone'), 'focus did not move to the phone field');
    expect(errorFor(el, field(el, 'Phone'))).to.equal('Enter a phone number with at least 7 digits.');
    expect(errorFor(el, field(el, 'Date of birth'))).to.equal('Please check the year of birth.');
    expect(field(el, 'Email').getAttribute('aria-invalid')).to.equal('false');
    expect(announced(el)).to.contain('Please correct 2 fields.');
    await expect(el).to.be.accessible();
  });

  it('books: confirmation with date, time, zone and address, a calendar file and thread-booked', async () => {
    const el = await render();
    await holdFirstTime(el);
    fill(el, PATIENT);
    const booked = oneEvent(el, 'thread-booked');
    control(el, 'Confirm appointment').click();
    const { detail } = (await booked) as CustomEvent<BookingEventDetail>;
    expect(detail).to.deep.equal({
      booking_id: 'bk-1-held',
      location_id: 'dr556',
      start_datetime: '2030-01-15T16:00:00Z',
    });
    const [confirm] = bff.made('POST /bff/v1/holds/confirm');
    expect(confirm.body as ConfirmRequest).to.deep.equal({ hold_token: HOLD_TOKEN, patient: PATIENT, website: '' });

    await waitUntil(() => heading(el, 'You’re booked'));
    await el.updateComplete;
    expect(focused(el)).to.equal(heading(el, 'You’re booked'));
    const confirmation = visibleText(root(el).querySelector('[part~="confirmation"]'));
    expect(confirmation).to.contain('Tuesday, January 15, 2030');
    expect(confirmation).to.contain('9:00 AM (Mountain Standard Time)');
    expect(confirmation).to.contain('ABC 123 Orthodontics – Downtown');
    expect(confirmation).to.contain('1600 Glenarm Pl, Suite 200');
    expect(confirmation).to.contain('Denver, CO 80202');
    expect(announced(el)).to.contain('You’re booked');
    expect(bff.made('POST /bff/v1/holds/release')).to.have.length(0);

    const link = control(el, 'Add to calendar') as HTMLAnchorElement;
    expect(link.getAttribute('download')).to.equal('appointment.ics');
    expect(link.href).to.match(/^blob:/);
    const ics = await (await realFetch(link.href)).text();
    const lines = ics.split('\r\n');
    expect(ics.endsWith('\r\n')).to.be.true;
    expect(ics.replace(/\r\n/g, '')).not.to.contain('\n');
    expect(lines[0]).to.equal('BEGIN:VCALENDAR');
    expect(lines).to.include.members([
      'VERSION:2.0',
      'BEGIN:VEVENT',
      'UID:bk-1-held@thread-scheduling',
      'DTSTART:20300115T160000Z',
      'DTEND:20300115T164500Z',
      'SUMMARY:Appointment at ABC 123 Orthodontics – Downtown',
      'END:VEVENT',
      'END:VCALENDAR',
    ]);
    expect(lines.find((line) => line.startsWith('DTSTAMP:'))).to.match(/^DTSTAMP:\d{8}T\d{6}Z$/);
    // Folded lines are joined again before reading the escaped text.
    const unfolded = ics.replace(/\r\n /g, '');
    expect(unfolded).to.contain(
      'LOCATION:ABC 123 Orthodontics – Downtown\\, 1600 Glenarm Pl\\, Suite 200\\, Denver\\, CO 80202\r\n',
    );
    for (const line of lines) expect(new TextEncoder().encode(line).length).to.be.at.most(75);
    await expect(el).to.be.accessible();
  });

  it('goes back to the times when the hold ran out on the server', async () => {
    bff.on('POST /bff/v1/holds/confirm', () =>
      problem(410, { status: 'gone', message: 'hold expired', reason: 'hold_expired' }),
    );
    const el = await render();
    await holdFirstTime(el);
    fill(el, PATIENT);
    const released = oneEvent(el, 'thread-release');
    control(el, 'Confirm appointment').click();
    await released;
    await waitUntil(() => bff.made('GET /bff/v1/schedule').length === 2);
    await el.updateComplete;
    expect(heading(el, 'Choose a time')).to.exist;
    expect(visibleText(root(el))).to.contain('Your hold on that time ran out. Please choose a time again.');
    await expect(el).to.be.accessible();
  });

  it('releases the hold with a keepalive request when the page goes away', async () => {
    const el = await render();
    await holdFirstTime(el);
    const released = oneEvent(el, 'thread-release');
    window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: false }));
    await released;
    const [release] = bff.made('POST /bff/v1/holds/release');
    expect(release.init.keepalive).to.be.true;
    expect(release.init.method).to.equal('POST');
    expect(new Headers(release.init.headers).get('content-type')).to.equal('text/plain');
    expect(release.body).to.deep.equal({ hold_token: HOLD_TOKEN });
  });

  it('releases the hold when the element is removed', async () => {
    const el = await render();
    await holdFirstTime(el);
    el.remove();
    const [release] = bff.made('POST /bff/v1/holds/release');
    expect(release.init.keepalive).to.be.true;
    expect(release.body).to.deep.equal({ hold_token: HOLD_TOKEN });
  });

  it('speaks Spanish with lang="es", dates and zones included', async () => {
    const el = await render(html`<thread-scheduling location-ids="dr556" lang="es"></thread-scheduling>`);
    expect(heading(el, 'Reserve una cita')).to.exist;
    expect(heading(el, 'Elija un horario')).to.exist;
    expect(visibleText(root(el))).to.contain('Horarios en hora de las Montañas Rocosas.');
    expect([...root(el).querySelectorAll('h4')].map(visibleText)).to.deep.equal([
      'Martes, 15 de enero',
      'Jueves, 17 de enero',
    ]);
    expect(visibleText(timeButtons(el)[0])).to.equal('9:00');
    expect(nameOf(timeButtons(el)[0])).to.equal('Martes, 15 de enero, 9:00 hora estándar de las Montañas Rocosas');
    await expect(el).to.be.accessible();

    await holdFirstTime(el, 'Sus datos');
    expect(field(el, 'Nombre').autocomplete).to.equal('given-name');
    control(el, 'Confirmar cita').click();
    await waitUntil(() => errorFor(el, field(el, 'Correo electrónico')));
    expect(errorFor(el, field(el, 'Correo electrónico'))).to.equal('Complete este campo.');
    expect(announced(el)).to.contain('Corrija 5 campos.');
    expect(control(el, 'Elegir otro horario')).to.exist;
    expect(control(el, 'Más tiempo')).to.exist;
    await expect(el).to.be.accessible();
  });

  it('fetches Spanish strings when asked for, showing no English meanwhile, and follows a change of lang', async () => {
    const el = await fixture<ThreadScheduling>(html`<thread-scheduling location-ids="dr556" lang="es"></thread-scheduling>`);
    expect(visibleText(root(el))).not.to.match(/Book an appointment|Loading|Choose a time/);
    await loaded(el);
    await waitUntil(() => heading(el, 'Elija un horario'), 'the Spanish strings never came');
    el.setAttribute('lang', 'en');
    await waitUntil(() => heading(el, 'Choose a time'), 'back to English');
    expect(heading(el, 'Book an appointment')).to.exist;
    await expect(el).to.be.accessible();
  });

  describe('when it cannot show times', () => {
    it('explains a missing location-ids attribute, without calling the server', async () => {
      const el = await fixture<ThreadScheduling>(html`<thread-scheduling></thread-scheduling>`);
      await el.updateComplete;
      expect(visibleText(root(el).querySelector('[part~="error"]'))).to.equal(
        'Online booking is not set up correctly on this page. Please call the practice to book.',
      );
      expect(bff.calls).to.have.length(0);
      expect(widgetLines()).to.have.length(1);
      expect(widgetLines()[0]).to.contain('location-ids attribute is missing');
      await expect(el).to.be.accessible();
    });

    it('explains an unknown location ID', async () => {
      bff.on('GET /bff/v1/schedule', () =>
        problem(404, { status: 'not_found', message: 'unknown location: nope1', reason: 'unknown_location' }),
      );
      const el = await render(html`<thread-scheduling location-ids="nope1"></thread-scheduling>`);
      expect(visibleText(root(el).querySelector('[part~="error"]'))).to.equal(
        'We could not find this practice location. Please call the practice to book.',
      );
      expect(control.bind(null, el, 'Try again')).to.throw();
      expect(widgetLines()).to.have.length(1);
      expect(widgetLines()[0]).to.contain('location-ids="nope1"');
      await expect(el).to.be.accessible();
    });

    it('explains a site that is not registered, and tells the designer how to fix it', async () => {
      bff.on('GET /bff/v1/schedule', () =>
        problem(403, { status: 'unauthorized', message: 'origin not registered', reason: 'site_not_registered' }),
      );
      const el = await render();
      expect(visibleText(root(el).querySelector('[part~="error"]'))).to.equal(
        'Online booking is not set up for this website yet. Please call the practice to book.',
      );
      expect(widgetLines()).to.have.length(1);
      expect(widgetLines()[0]).to.contain(`this site (${location.origin}) is not registered`);
      expect(widgetLines()[0]).to.contain(`sites create --origin ${location.origin}`);
      await expect(el).to.be.accessible();
    });

    it('explains a location outside the site’s practice', async () => {
      bff.on('GET /bff/v1/schedule', () =>
        problem(403, { status: 'unauthorized', message: 'not allowed', reason: 'location_not_allowed' }),
      );
      const el = await render();
      expect(visibleText(root(el).querySelector('[part~="error"]'))).to.equal(
        'Online booking is not set up for this location. Please call the practice to book.',
      );
      expect(widgetLines()).to.have.length(1);
      await expect(el).to.be.accessible();
    });

    it('explains a network failure and offers to try again', async () => {
      bff.on('GET /bff/v1/schedule', () => Promise.reject(new TypeError('Failed to fetch')));
      const el = await render();
      expect(visibleText(root(el).querySelector('[part~="error"]'))).to.equal(
        'We could not connect to the booking service. Please check your connection and try again.',
      );
      expect(announced(el)).to.contain('We could not connect');
      expect(widgetLines()).to.have.length(1);
      expect(widgetLines()[0]).to.contain('could not reach the booking server');
      await expect(el).to.be.accessible();

      bff.on('GET /bff/v1/schedule', () => json(200, schedule(DENVER)));
      control(el, 'Try again').click();
      await waitUntil(() => timeButtons(el).length === 4);
      await el.updateComplete;
      expect(focused(el)).to.equal(heading(el, 'Choose a time'));
    });

    it('explains an empty window', async () => {
      bff.schedules = [schedule({ ...DENVER, slots: [] })];
      const el = await render(html`<thread-scheduling location-ids="dr556" days="7"></thread-scheduling>`);
      expect(visibleText(root(el).querySelector('.empty'))).to.equal(
        'There are no open times in the next 7 days. Please check back soon or call the practice.',
      );
      expect(timeButtons(el)).to.have.length(0);
      expect(widgetLines()).to.have.length(1);
      expect(widgetLines()[0]).to.contain('no open times in the next 7 days');
      await expect(el).to.be.accessible();
    });
  });

  it('clamps days to 1..60 and honours api-base', async () => {
    for (const [days, expected] of [['90', '60'], ['0', '1'], ['soon', '14']]) {
      bff.calls = [];
      await render(html`<thread-scheduling location-ids="dr556" days=${days}></thread-scheduling>`);
      expect(bff.calls[0].url.searchParams.get('days'), days).to.equal(expected);
    }
    bff.calls = [];
    await render(html`<thread-scheduling location-ids="dr556" api-base="https://bff.example.test/"></thread-scheduling>`);
    expect(bff.calls[0].url.href).to.equal('https://bff.example.test/bff/v1/schedule?location_ids=dr556&days=14');
  });

  it('keeps patient data and the hold token out of events, the console, storage and the URL', async () => {
    const href = location.href;
    const details: unknown[] = [];
    const record = (event: Event) => details.push((event as CustomEvent).detail);
    for (const name of ['thread-hold', 'thread-release', 'thread-booked']) document.addEventListener(name, record);
    try {
      const el = await render();
      await holdFirstTime(el);
      control(el, 'Choose another time').click();
      await waitUntil(() => heading(el, 'Choose a time'));
      await loaded(el);
      await holdFirstTime(el);
      fill(el, PATIENT);
      control(el, 'Confirm appointment').click();
      await waitUntil(() => heading(el, 'You’re booked'));
    } finally {
      for (const name of ['thread-hold', 'thread-release', 'thread-booked']) document.removeEventListener(name, record);
    }
    expect(details).to.have.length(4);
    for (const detail of details) {
      expect(Object.keys(detail as object).sort()).to.deep.equal(['booking_id', 'location_id', 'start_datetime']);
    }
    const secrets = [HOLD_TOKEN, ...Object.values(PATIENT)];
    const seen = JSON.stringify(details) + consoleLines.join('\n');
    for (const secret of secrets) expect(seen).not.to.contain(secret);
    expect(localStorage.length).to.equal(0);
    expect(sessionStorage.length).to.equal(0);
    expect(document.cookie).to.equal('');
    expect(location.href).to.equal(href);
  });

  it('keeps its size and targets on a page with hostile global CSS', async () => {
    const style = document.createElement('style');
    style.textContent = 'html { font-size: 24px } body * { all: unset } button { padding: 0; height: 10px }';
    document.head.append(style);
    try {
      const el = await render();
      const button = timeButtons(el)[0];
      const box = button.getBoundingClientRect();
      expect(box.height).to.be.at.least(44);
      expect(box.width).to.be.at.least(44);
      // Sizes come from the widget's own 16px base, not the page's 24px root.
      expect(getComputedStyle(root(el).querySelector('.root')!).fontSize).to.equal('16px');
      expect(getComputedStyle(button).fontSize).to.equal('15px');
      expect(getComputedStyle(button).display).not.to.equal('inline');
    } finally {
      style.remove();
    }
  });

  describe('a manage link', () => {
    const SECRET = 'manage-SECRET-43b2c1';
    /** The UID of the appointment's calendar event: the same through every move, and not its secret. */
    const uidLine = (ics: string) => ics.replace(/\r\n /g, '').split('\r\n').find((line) => line.startsWith('UID:'))!;
    const APPOINTMENT_UID = (async () => {
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`thread-scheduling calendar ${SECRET}`)));
      return `UID:${btoa(String.fromCharCode(...digest.subarray(0, 16))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}@thread-scheduling`;
    })();
    const { slots: _, ...place } = DENVER;
    const view = (changes: Partial<ManageView> = {}): ManageView => ({
      booking_id: 'bk-1-held',
      location_id: 'dr556',
      start_datetime: '2030-01-15T16:00:00Z',
      length: 45,
      status: 'booked',
      location: place,
      changeable_until: '2030-01-14T16:00:00.000Z',
      can_change: true,
      slots: DENVER.slots.slice(1),
      ...changes,
    });
    let href: string;

    beforeEach(() => {
      href = location.href;
      bff.on('POST /bff/v1/manage', () => json(200, view()));
    });
    afterEach(() => history.replaceState(null, '', href));

    /** The widget on a page opened with the link's fragment, once the appointment is on screen. */
    async function openLink(fragment = `#thread-manage=${SECRET}`, template = html`<thread-scheduling location-ids="dr556"></thread-scheduling>`) {
      history.replaceState(null, '', fragment);
      const el = await fixture<ThreadScheduling>(template);
      await waitUntil(() => root(el).querySelector('[part~="manage"], #failure'), 'the appointment never showed');
      await el.updateComplete;
      return el;
    }

    it('opens from #thread-manage= on the practice’s page, takes the secret out of the address bar, and shows the appointment', async () => {
      const el = await openLink();
      expect(location.hash).to.equal('');
      expect(location.href).to.equal(href.split('#')[0]);
      const [call] = bff.made('POST /bff/v1/manage');
      expect(call.body).to.deep.equal({ manage_token: SECRET, days: 14 });
      expect(call.url.search).to.equal('', 'the secret never goes in a URL');
      expect(bff.made('GET /bff/v1/schedule')).to.have.length(0);
      expect(heading(el, 'Your appointment')).to.exist;
      expect(heading(el, 'Appointment details')).to.exist;
      const facts = visibleText(root(el).querySelector('[part~="appointment"]'));
      expect(facts).to.contain('Tuesday, January 15, 2030');
      expect(facts).to.contain('9:00 AM (Mountain Standard Time)');
      expect(facts).to.contain('1600 Glenarm Pl, Suite 200');
      expect(visibleText(root(el))).to.contain('You can change or cancel it online until Monday, January 14, 2030, 9:00 AM.');
      expect(control(el, 'Change time')).to.exist;
      expect(control(el, 'Cancel appointment')).to.exist;
      await expect(el).to.be.accessible();
    });

    it('a link followed within the practice’s page (only the fragment changes) opens there too', async () => {
      const el = await render();
      expect(timeButtons(el)).to.have.length(4);
      location.hash = `thread-manage=${SECRET}`;
      await waitUntil(() => root(el).querySelector('[part~="manage"]'), 'the appointment never showed');
      expect(bff.made('POST /bff/v1/manage')[0].body).to.deep.equal({ manage_token: SECRET, days: 14 });
      expect(location.hash).to.equal('');
    });

    it('with the manage attribute, the whole fragment is the secret', async () => {
      await openLink(`#${SECRET}`, html`<thread-scheduling manage></thread-scheduling>`);
      expect(bff.made('POST /bff/v1/manage')[0].body).to.deep.equal({ manage_token: SECRET, days: 14 });
      expect(location.hash).to.equal('');
    });

    it('cancel: asks first, then cancels and fires thread-cancelled without patient data', async () => {
      bff.on('POST /bff/v1/manage/cancel', () => {
        const cancelled: ManageCancelResponse = { status: 'cancelled', booking_id: 'bk-1-held', location_id: 'dr556', start_datetime: '2030-01-15T16:00:00Z' };
        return json(200, cancelled);
      });
      const el = await openLink();
      control(el, 'Cancel appointment').click();
      await waitUntil(() => heading(el, 'Cancel this appointment?'));
      await el.updateComplete;
      expect(focused(el)).to.equal(heading(el, 'Cancel this appointment?'));
      expect(bff.made('POST /bff/v1/manage/cancel')).to.have.length(0, 'nothing is cancelled before the patient says yes');
      await expect(el).to.be.accessible();

      control(el, 'No, keep it').click();
      await waitUntil(() => heading(el, 'Appointment details'));
      control(el, 'Cancel appointment').click();
      await waitUntil(() => heading(el, 'Cancel this appointment?'));
      const cancelled = oneEvent(el, 'thread-cancelled');
      control(el, 'Yes, cancel it').click();
      const { detail, bubbles, composed } = (await cancelled) as CustomEvent<BookingEventDetail>;
      expect({ bubbles, composed }).to.deep.equal({ bubbles: true, composed: true });
      expect(detail).to.deep.equal({ booking_id: 'bk-1-held', location_id: 'dr556', start_datetime: '2030-01-15T16:00:00Z' });
      expect(bff.made('POST /bff/v1/manage/cancel')[0].body).to.deep.equal({ manage_token: SECRET });
      await waitUntil(() => heading(el, 'Your appointment is cancelled'));
      await el.updateComplete;
      expect(focused(el)).to.equal(heading(el, 'Your appointment is cancelled'));
      expect(announced(el)).to.contain('Your appointment is cancelled');
      await expect(el).to.be.accessible();

      // On the practice's page the patient may book again.
      control(el, 'Book another time').click();
      await waitUntil(() => heading(el, 'Choose a time'));
      expect(bff.made('GET /bff/v1/schedule')).to.have.length(1);
    });

    it('move: choose a new time, confirm it, and the moved appointment with its calendar file; thread-rescheduled', async () => {
      const target = DENVER.slots[3];
      bff.on('POST /bff/v1/manage/move', () => json(200, view({ booking_id: 'bk-4-held', start_datetime: target.start_datetime, changeable_until: '2030-01-16T15:00:00.000Z' })));
      const el = await openLink();
      control(el, 'Change time').click();
      await waitUntil(() => heading(el, 'Choose a new time'));
      await el.updateComplete;
      expect(focused(el)).to.equal(heading(el, 'Choose a new time'));
      expect(timeButtons(el).map(nameOf)).to.deep.equal([
        'Tuesday, January 15, 10:30 AM Mountain Standard Time',
        'Tuesday, January 15, 10:30 PM Mountain Standard Time',
        'Thursday, January 17, 8:00 AM Mountain Standard Time',
      ]);
      await expect(el).to.be.accessible();

      timeButtons(el)[2].click();
      await waitUntil(() => heading(el, 'Move your appointment?'));
      await el.updateComplete;
      const facts = visibleText(root(el).querySelector('[part~="appointment"]'));
      expect(facts).to.contain('FromTuesday, January 15, 2030, 9:00 AM');
      expect(facts).to.contain('ToThursday, January 17, 2030, 8:00 AM');
      expect(bff.made('POST /bff/v1/manage/move')).to.have.length(0);
      await expect(el).to.be.accessible();

      const rescheduled = oneEvent(el, 'thread-rescheduled');
      control(el, 'Move appointment').click();
      const { detail } = (await rescheduled) as CustomEvent<BookingEventDetail>;
      expect(detail).to.deep.equal({ booking_id: 'bk-4-held', location_id: 'dr556', start_datetime: target.start_datetime });
      expect(bff.made('POST /bff/v1/manage/move')[0].body).to.deep.equal({ manage_token: SECRET, booking_id: target.booking_id, start_datetime: target.start_datetime });
      await waitUntil(() => heading(el, 'Your appointment is moved'));
      await el.updateComplete;
      expect(focused(el)).to.equal(heading(el, 'Your appointment is moved'));
      expect(visibleText(root(el).querySelector('[part~="confirmation"]'))).to.contain('Thursday, January 17, 2030');
      const ics = await (await realFetch((control(el, 'Add the new time to calendar') as HTMLAnchorElement).href)).text();
      const unfolded = ics.replace(/\r\n /g, '');
      expect(unfolded).to.contain('DTSTART:20300117T150000Z');
      expect(unfolded).to.contain(`URL:${location.origin}/manage#${SECRET}`);
      // The booked step's event, changed: the same UID (a calendar replaces it rather than keeping the old time), a higher SEQUENCE.
      expect(uidLine(ics)).to.equal(await APPOINTMENT_UID);
      expect(Number(/\r\nSEQUENCE:(\d+)\r\n/.exec(ics)?.[1])).to.be.greaterThan(0);
      await expect(el).to.be.accessible();
    });

    it('a time taken meanwhile: back to the times, with a message and a fresh list', async () => {
      bff.on('POST /bff/v1/manage/move', () => problem(409, { status: 'conflict', message: 'taken', reason: 'slot_taken' }));
      const el = await openLink();
      control(el, 'Change time').click();
      await waitUntil(() => heading(el, 'Choose a new time'));
      timeButtons(el)[0].click();
      await waitUntil(() => heading(el, 'Move your appointment?'));
      control(el, 'Move appointment').click();
      await waitUntil(() => visibleText(root(el)).includes('someone else just took that time'));
      expect(heading(el, 'Choose a new time')).to.exist;
      expect(bff.made('POST /bff/v1/manage')).to.have.length(2);
      await expect(el).to.be.accessible();
    });

    it('after the cut-off: how to reach the practice instead of the buttons', async () => {
      bff.on('POST /bff/v1/manage', () => json(200, view({ can_change: false, slots: [] })));
      const el = await openLink();
      expect(visibleText(root(el))).to.contain('it can no longer be changed or cancelled online');
      expect(() => control(el, 'Cancel appointment')).to.throw();
      expect(() => control(el, 'Change time')).to.throw();
      const contact = root(el).querySelector('[part~="contact"]')!;
      expect(visibleText(contact)).to.contain('1600 Glenarm Pl, Suite 200');
      expect((control(el, 'Visit the practice’s website') as HTMLAnchorElement).href).to.equal('https://abc123ortho.example/');
      await expect(el).to.be.accessible();
    });

    it('a cancel refused at the cut-off shows the appointment again, with how to reach the practice', async () => {
      bff.on('POST /bff/v1/manage/cancel', () => {
        bff.on('POST /bff/v1/manage', () => json(200, view({ can_change: false, slots: [] })));
        return problem(409, { status: 'conflict', message: 'cut-off', reason: 'past_cutoff' });
      });
      const el = await openLink();
      control(el, 'Cancel appointment').click();
      await waitUntil(() => heading(el, 'Cancel this appointment?'));
      control(el, 'Yes, cancel it').click();
      await waitUntil(() => root(el).querySelector('[part~="contact"]'));
      expect(heading(el, 'Appointment details')).to.exist;
      expect(() => control(el, 'Cancel appointment')).to.throw();
    });

    it('a link that is not valid says so, and nothing more', async () => {
      bff.on('POST /bff/v1/manage', () => problem(404, { status: 'not_found', message: 'no', reason: 'manage_not_found' }));
      const el = await openLink();
      await waitUntil(() => root(el).querySelector('#failure'));
      expect(visibleText(root(el).querySelector('#failure'))).to.contain('This link is no longer valid');
      await expect(el).to.be.accessible();
    });

    it('the booked step shows the private link, and the calendar file carries it', async () => {
      const url = `https://thread.example/manage#${SECRET}`;
      bff.on('POST /bff/v1/holds/confirm', () => {
        const booked: ConfirmResponse = { booking_id: 'bk-1-held', location_id: 'dr556', start_datetime: '2030-01-15T16:00:00Z', length: 45, status: 'booked', manage_url: url };
        return json(200, booked);
      });
      const el = await render();
      await holdFirstTime(el);
      fill(el, PATIENT);
      control(el, 'Confirm appointment').click();
      await waitUntil(() => heading(el, 'You’re booked'));
      await el.updateComplete;
      expect((control(el, 'Change or cancel this appointment') as HTMLAnchorElement).href).to.equal(url);
      expect(visibleText(root(el).querySelector('[part~="manage-link"]'))).to.contain('This link is private');
      const ics = await (await realFetch((control(el, 'Add to calendar') as HTMLAnchorElement).href)).text();
      const unfolded = ics.replace(/\r\n /g, '');
      expect(unfolded).to.contain(`URL:${url}\r\n`);
      expect(unfolded).to.contain(`DESCRIPTION:To change or cancel this appointment: ${url}\r\n`);
      expect(uidLine(ics)).to.equal(await APPOINTMENT_UID);
      expect(uidLine(ics)).not.to.contain(SECRET);
      expect(ics).not.to.contain('SEQUENCE:');
      await expect(el).to.be.accessible();
    });
  });

  it('can be defined twice without harm', async () => {
    expect(() => define()).not.to.throw();
    expect(() => define('thread-scheduling', class extends HTMLElement {})).not.to.throw();
    await import('../index.js');
    expect(customElements.get('thread-scheduling')).to.equal(ThreadScheduling);
  });
});
