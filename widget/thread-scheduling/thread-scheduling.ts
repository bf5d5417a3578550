import { LitElement, adoptStyles, html, nothing, supportsAdoptingStyleSheets, type CSSResultOrNative, type PropertyValues, type TemplateResult } from 'lit';
import type {
  BookingEventDetail,
  ConfirmResponse,
  ScheduleLocation,
  ScheduleResponse,
  SignUp,
  SignUpField,
  Slot,
} from '../../shared/types.js';
import { SIGN_UP_FIELDS } from '../../shared/types.js';
import { Bff, BffError, NetworkError } from './bff.js';
import type { HoldController } from './hold-controller.js';
import type { ManageController } from './manage-controller.js';
import type { SignUpProblems } from './sign-up.js';
import { addressLines } from './place.js';
import { clockTime, countdown, dayName, groupByDay, warmUp, zoneName } from './time.js';
import { en, languageOf, translations, type Language, type Translation } from './translations.js';
import styles from './thread-scheduling.styles.js';

/** Where widget.js was loaded from: the BFF's origin unless `api-base` says otherwise. */
const SCRIPT_ORIGIN = new URL(import.meta.url).origin;
const TAG = 'thread-scheduling';
/** The chunk the steps after a pick need (after-pick.ts). */
type AfterPick = typeof import('./after-pick.js');
const DAYS_AT_A_TIME = 5;

type Step = 'loading' | 'failed' | 'times' | 'form' | 'done' | 'manage';
type EventName = 'thread-hold' | 'thread-release' | 'thread-booked' | 'thread-cancelled' | 'thread-rescheduled';

interface Notice {
  text: string;
  tone: 'error' | 'info';
}

interface Failure {
  text: string;
  canRetry: boolean;
}

interface Booked {
  booking: ConfirmResponse;
  location: ScheduleLocation;
  calendar: string;
}

const INPUTS: Record<SignUpField, { type: string; autocomplete: string }> = {
  first_name: { type: 'text', autocomplete: 'given-name' },
  last_name: { type: 'text', autocomplete: 'family-name' },
  email: { type: 'email', autocomplete: 'email' },
  phone: { type: 'tel', autocomplete: 'tel' },
  date_of_birth: { type: 'date', autocomplete: 'bday' },
};

function detailOf(booking: BookingEventDetail): BookingEventDetail {
  // Built field by field so that nothing else (a hold token, a sign-up) can ride along.
  return {
    booking_id: booking.booking_id,
    location_id: booking.location_id,
    start_datetime: booking.start_datetime,
  };
}


/**
 * Online booking for one practice: open times per location, a hold with its
 * countdown, the sign-up form, and the confirmation with a calendar file.
 *
 * @property locationIds - `location-ids`: the locations to offer, comma-separated (required).
 * @property language - `lang`: `en` (default) or `es`.
 * @property days - `days`: how many days ahead to offer, 1..60 (default 14).
 * @property apiBase - `api-base`: the BFF's origin (default: where widget.js came from).
 * @property manage - `manage`: the page a manage link opens; the whole fragment is the link's secret. Without it,
 *   a fragment `#thread-manage=<secret>` still opens the manage step. Either way the fragment leaves the address bar.
 *
 * @event thread-hold - A time is held for the patient. `detail: {booking_id, location_id, start_datetime}`.
 * @event thread-release - The hold ended without a booking (back, another time, timeout, page exit).
 * @event thread-booked - The appointment is booked. Same detail; never the patient's data.
 * @event thread-cancelled - The patient cancelled the appointment through its manage link. The cancelled booking's detail.
 * @event thread-rescheduled - The patient moved the appointment through its manage link. The new booking's detail.
 *
 * @csspart card - The outer card.
 * @csspart title - The widget's heading.
 * @csspart location-picker - The list of locations, when there are several.
 * @csspart time - Each time button.
 * @csspart button - Every button and the calendar link.
 * @csspart summary - The held time, with its countdown.
 * @csspart countdown - The countdown line.
 * @csspart more-time - The "More time" button beside it (also `button`).
 * @csspart hold-message - A warning that the hold is ending, or that no more time can be had.
 * @csspart form - The sign-up form.
 * @csspart field - Each label, input and error group.
 * @csspart input - Each input.
 * @csspart error - Every error message (a field's or the widget's).
 * @csspart notice - A message above the times or the form.
 * @csspart confirmation - The booked step (and a cancelled or moved appointment).
 * @csspart manage-link - The booked step's private link to change or cancel.
 * @csspart manage - The manage step; `appointment` its facts, `contact` how to reach the practice.
 *
 * @cssprop --thread-accent - Buttons, links, focus ring (default #1d4ed8).
 * @cssprop --thread-accent-text - Text on the accent colour (default #fff).
 * @cssprop --thread-text - Body text (default #1f2937).
 * @cssprop --thread-muted - Secondary text (default #4b5563).
 * @cssprop --thread-background - The card's background (default #fff).
 * @cssprop --thread-border - Lines and outlines (default #d1d5db).
 * @cssprop --thread-error - Error text and outlines (default #b42318).
 * @cssprop --thread-radius - Corner radius of the card (default 12px).
 * @cssprop --thread-font - Font family (default the system UI font).
 * @cssprop --thread-font-size - The base size every other size derives from (default 16px).
 */
export class ThreadScheduling extends LitElement {
  static override styles = styles;

  static override properties = {
    locationIds: { type: String, attribute: 'location-ids' },
    language: { type: String, attribute: 'lang' },
    days: { type: Number },
    apiBase: { type: String, attribute: 'api-base' },
    manage: { type: Boolean },
    step: { state: true },
    schedule: { state: true },
    locationId: { state: true },
    busy: { state: true },
    notice: { state: true },
    failure: { state: true },
    problems: { state: true },
    booked: { state: true },
    calendarUrl: { state: true },
    announcement: { state: true },
    shownDays: { state: true },
    translation: { state: true },
  };

  declare locationIds: string;
  declare language: string;
  declare days: number;
  declare apiBase: string;
  declare manage: boolean;

  declare private step: Step;
  declare private schedule: ScheduleResponse | undefined;
  declare private locationId: string;
  declare private busy: boolean;
  declare private notice: Notice | undefined;
  declare private failure: Failure | undefined;
  declare private problems: SignUpProblems;
  declare private booked: Booked | undefined;
  declare private calendarUrl: string | undefined;
  declare private announcement: string;
  /** How many days of times are on screen; more on request, so the page stays short. */
  declare private shownDays: number;
  /** The strings on screen, and their language: English until another one asked for has come. */
  declare private translation: { language: Language; strings: Translation };

  private loads = 0;
  private loading: AbortController | undefined;
  private warned = false;
  private afterPick: AfterPick | undefined;
  private afterPickLoading: Promise<AfterPick> | undefined;
  /** The held time: its countdown, warnings, more time, and giving it back on the way out. Comes with after-pick.ts. */
  private hold: HoldController | undefined;
  /** An appointment opened by its manage link: its view, cancel and move. Comes with manage.ts. */
  private managing: ManageController | undefined;
  /** A manage link was opened here: on the manage page the fragment is read once. */
  private managed = false;
  /** Stylesheets adopted beside the element's own as chunks come. */
  private extraStyles: CSSResultOrNative[] = [];

  constructor() {
    super();
    this.locationIds = '';
    this.language = 'en';
    this.days = 14;
    this.apiBase = '';
    this.manage = false;
    this.step = 'loading';
    this.locationId = '';
    this.busy = false;
    this.problems = {};
    this.announcement = '';
    this.shownDays = DAYS_AT_A_TIME;
    this.translation = { language: 'en', strings: en };
  }

  // ------------------------------------------------------------ configuration

  private get t(): Translation {
    return this.translation.strings;
  }

  private get locale(): Language {
    return languageOf(this.language);
  }

  /** `days`, clamped to 1..60; anything unreadable is the default 14. */
  get windowDays(): number {
    const days = Math.round(Number(this.days));
    return Number.isFinite(days) ? Math.min(60, Math.max(1, days)) : 14;
  }

  private get ids(): string[] {
    return (this.locationIds ?? '')
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean);
  }

  private get apiOrigin(): string {
    try {
      return new URL(this.apiBase || SCRIPT_ORIGIN, document.baseURI).href.replace(/\/+$/, '');
    } catch {
      return SCRIPT_ORIGIN;
    }
  }

  private get bff(): Bff {
    return new Bff(`${this.apiOrigin}/bff/v1`);
  }

  private get location(): ScheduleLocation | undefined {
    const locations = this.schedule?.locations ?? [];
    return locations.find((location) => location.id === this.locationId) ?? locations[0];
  }

  // ------------------------------------------------------------ lifecycle

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('hashchange', this.onHashChange);
    if (this.hasUpdated) {
      if (this.step === 'done') this.makeCalendarUrl();
      else void this.load();
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('hashchange', this.onHashChange);
    this.loading?.abort();
    if (this.calendarUrl) URL.revokeObjectURL(this.calendarUrl);
    this.calendarUrl = undefined;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('language')) this.fetchStrings();
    if (changed.has('locationIds') || changed.has('days') || changed.has('apiBase')) {
      if (this.isConnected) {
        void this.hold?.release();
        void this.load();
      }
    }
  }

  /** Fetches the strings of the language asked for (English if they cannot come). */
  private fetchStrings() {
    const language = this.locale;
    if (this.translation.language === language) return;
    translations[language]()
      .catch(() => en)
      .then((strings) => {
        if (this.locale === language) this.translation = { language, strings };
      });
  }

  protected override updated(): void {
    // The times are on screen: now fetch what a pick will need, so the patient does not wait for it.
    if (this.step === 'times' && !this.afterPickLoading) this.loadAfterPick().catch(() => {});
  }

  /** The proof of work, the sign-up checks, the calendar file and the later steps' styles, once. */
  private loadAfterPick(): Promise<AfterPick> {
    this.afterPickLoading ??= import('./after-pick.js').then(
      (afterPick) => {
        this.adopt([afterPick.styles]);
        this.afterPick = afterPick;
        this.hold ??= new afterPick.HoldController(this, {
          bff: () => this.bff,
          t: () => this.t,
          announce: (text) => this.announce(text),
          emit: (name, hold) => this.emit(name, hold),
          explain: (error) => this.messageFor(error),
          lost: () => this.step === 'form' && void this.backToTimes(this.t.holdExpired, 'info'),
          confirming: () => this.busy,
        });
        return afterPick;
      },
      (error: unknown) => {
        this.afterPickLoading = undefined; // a pick tries again
        throw error;
      },
    );
    return this.afterPickLoading;
  }

  /** Adds a chunk's stylesheets to the shadow root, after the element's own and those of earlier chunks. */
  private adopt(sheets: CSSResultOrNative[]) {
    this.extraStyles.push(...sheets);
    const base = (this.constructor as typeof ThreadScheduling).elementStyles;
    // Without adoptedStyleSheets, Lit appends <style> elements: only the new ones are added.
    adoptStyles(this.renderRoot as ShadowRoot, supportsAdoptingStyleSheets ? [...base, ...this.extraStyles] : sheets);
  }

  // ------------------------------------------------------------ manage link

  /**
   * The secret of a manage link in the page's fragment (`#thread-manage=<secret>`, or the whole fragment on the
   * manage page), taken out of the address bar at once so that it is not left on screen or in a shared URL.
   */
  private takeManageToken(): string | undefined {
    const fragment = location.hash.slice(1);
    const token = new URLSearchParams(fragment).get('thread-manage') ?? (this.manage && !this.managed ? fragment : undefined);
    if (token !== undefined && fragment) history.replaceState(history.state, '', location.pathname + location.search);
    return token;
  }

  /** The manage step, from its own chunk. */
  private async openManage(token: string) {
    this.step = 'manage';
    this.managed = true;
    try {
      const { ManageController, styles } = await import('./manage.js');
      this.adopt(styles);
      const managing = new ManageController(this, token, {
        bff: () => this.bff,
        t: () => this.t,
        language: () => this.locale,
        days: () => this.windowDays,
        announce: (text) => this.announce(text),
        emit: (name, detail) => this.emit(name, detail),
        focus: (selector) => this.moveFocus(selector),
        bookAgain: this.ids.length > 0 ? () => void this.leaveManage().then(() => this.moveFocus()) : undefined,
      });
      this.managing = managing;
      await managing.open();
    } catch (error) {
      this.tellDesigner(error, 'opening a manage link');
      this.fail(this.messageFor(error), false);
    }
  }

  /** Back to booking (or to another manage link): the manage step goes, the times are read. */
  private leaveManage(): Promise<void> {
    if (this.managing) this.removeController(this.managing);
    this.managing = undefined;
    this.step = 'loading';
    return this.load();
  }

  /** A manage link followed within the page (only its fragment changed): it opens here too. */
  private onHashChange = () => {
    if (!new URLSearchParams(location.hash.slice(1)).has('thread-manage')) return;
    void this.hold?.release();
    void this.leaveManage();
  };

  // ------------------------------------------------------------ helpers

  private emit(name: EventName, detail: BookingEventDetail) {
    this.dispatchEvent(new CustomEvent(name, { bubbles: true, composed: true, detail: detailOf(detail) }));
  }

  /** Said once through the polite live region; a repeat of the same words is still read. */
  private announce(text: string) {
    this.announcement = text === this.announcement ? `${text}\u00a0` : text;
  }

  private async moveFocus(selector = '#step-heading') {
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>(selector)?.focus();
  }

  /** One line for the web designer who embedded the widget; never patient data or tokens. */
  private tellDesigner(error: unknown, context: string) {
    const origin = location.origin;
    const ids = this.ids.join(',');
    if (error instanceof NetworkError) {
      console.error(
        `${TAG}: could not reach the booking server at ${this.apiOrigin} (${error.message}) while ${context}; check api-base, the network, and that the server is up.`,
      );
      return;
    }
    if (!(error instanceof BffError)) {
      console.error(`${TAG}: unexpected error while ${context}: ${String((error as Error)?.message ?? error)}`);
      return;
    }
    switch (error.reason) {
      case 'site_not_registered':
        console.error(
          `${TAG}: this site (${origin}) is not registered with the booking server ${this.apiOrigin}; ask the booking server's admin to run: thread sites create --origin ${origin} --practice <practice-id>`,
        );
        break;
      case 'location_not_allowed':
        console.error(
          `${TAG}: location-ids="${ids}" includes a location outside the practice registered for ${origin}; use that practice's location IDs or register the site for the right practice.`,
        );
        break;
      case 'unknown_location':
        console.error(
          `${TAG}: location-ids="${ids}" names a location the booking server does not know; check the IDs (server: ${error.message}).`,
        );
        break;
      case 'rate_limited':
      case 'too_many_holds':
        console.warn(`${TAG}: the booking server is limiting requests (${error.reason}) while ${context}.`);
        break;
      default: {
        // A confirm's message could echo what the patient typed; the others carry only IDs.
        const said = context === 'confirming' || !error.body?.message ? '' : `: ${error.body.message}`;
        console.error(
          `${TAG}: the booking server answered ${error.status}${error.reason ? ` (${error.reason})` : ''} while ${context}${said}`,
        );
      }
    }
  }

  /** A translated sentence for any failure. */
  private messageFor(error: unknown): string {
    const t = this.t;
    if (error instanceof NetworkError) return t.network;
    if (error instanceof BffError) {
      if (error.reason === 'rate_limited' || (error.status === 429 && !error.reason)) {
        return t.rateLimited(error.retryAfter);
      }
      const reason = error.reason && t.reasons[error.reason];
      if (reason) return reason;
      if (error.status === 502 || error.status === 503) return t.reasons.upstream_unavailable ?? t.generic;
    }
    return t.generic;
  }

  private fail(text: string, canRetry: boolean) {
    this.failure = { text, canRetry };
    this.step = 'failed';
    this.announce(text);
  }

  // ------------------------------------------------------------ schedule

  /** Fetches the open times. `quiet` keeps the current list on screen while it refreshes. */
  private async load(quiet = false): Promise<void> {
    if (this.step === 'manage') return;
    const manageToken = this.takeManageToken();
    if (manageToken !== undefined) return this.openManage(manageToken);
    this.loading?.abort();
    const load = ++this.loads;
    const ids = this.ids;
    if (!quiet) {
      this.step = 'loading';
      this.notice = undefined;
      this.shownDays = DAYS_AT_A_TIME;
    }
    if (ids.length === 0) {
      this.loading = undefined;
      console.error(
        `${TAG}: the location-ids attribute is missing or empty; add the practice's location IDs, e.g. <thread-scheduling location-ids="abc123">.`,
      );
      this.fail(this.t.missingLocations, false);
      return;
    }
    const controller = new AbortController();
    this.loading = controller;
    try {
      const request = this.bff.schedule(ids, this.windowDays, controller.signal);
      // After this turn (the skeleton is drawn) and before the answer comes: see warmUp.
      setTimeout(() => warmUp(this.locale));
      const schedule = await request;
      if (load !== this.loads) return;
      this.schedule = schedule;
      if (!schedule.locations.some((location) => location.id === this.locationId)) {
        this.locationId = schedule.locations[0]?.id ?? '';
      }
      if (this.step === 'loading' || this.step === 'failed') this.step = 'times';
      const empty = schedule.locations.filter((location) => location.slots.length === 0);
      if (!quiet && !this.warned && empty.length > 0 && empty.length === schedule.locations.length) {
        this.warned = true;
        console.warn(
          `${TAG}: no open times in the next ${this.windowDays} days for location-ids="${ids.join(',')}"; open some bookings for these locations.`,
        );
      }
    } catch (error) {
      if (load !== this.loads || (error as Error).name === 'AbortError') return;
      if (quiet && this.schedule) return;
      this.tellDesigner(error, 'loading open times');
      const canRetry = !(error instanceof BffError) || error.status >= 429;
      this.fail(this.messageFor(error), canRetry);
    } finally {
      if (load === this.loads) this.loading = undefined;
    }
  }

  private retry = async () => {
    await this.load();
    if (this.step === 'times') await this.moveFocus();
    else await this.moveFocus('#failure');
  };

  private chooseLocation(event: Event) {
    this.locationId = (event.target as HTMLInputElement).value;
    this.notice = undefined;
    this.shownDays = DAYS_AT_A_TIME;
  }

  private showMoreDays = async () => {
    const first = this.shownDays;
    this.shownDays += DAYS_AT_A_TIME;
    await this.moveFocus(`.day:nth-child(${first + 1}) .time`);
  };

  // ------------------------------------------------------------ hold

  private async pick(location: ScheduleLocation, slot: Slot) {
    if (this.busy) return;
    this.busy = true;
    this.notice = undefined;
    try {
      await this.loadAfterPick();
      const hold = await this.bff.hold({
        location_id: location.id,
        booking_id: slot.booking_id,
        start_datetime: slot.start_datetime,
        website: '',
      });
      this.problems = {};
      this.step = 'form';
      this.hold!.start({ ...hold, location });
      const start = new Date(hold.start_datetime);
      const when = `${dayName(start, location.timezone, this.locale)}, ${clockTime(start, location.timezone, this.locale)}`;
      this.announce(this.t.heldAnnouncement(when, Math.max(1, Math.round(hold.expires_in / 60))));
      await this.moveFocus();
    } catch (error) {
      if (error instanceof BffError && error.reason === 'slot_taken') {
        await this.refreshWith(this.t.slotTaken, 'info');
      } else if (
        error instanceof BffError &&
        (error.reason === 'site_not_registered' || error.reason === 'location_not_allowed' || error.reason === 'unknown_location')
      ) {
        this.tellDesigner(error, 'holding a time');
        this.fail(this.messageFor(error), false);
        await this.moveFocus('#failure');
      } else {
        this.tellDesigner(error, 'holding a time');
        this.notice = { text: this.messageFor(error), tone: 'error' };
        this.announce(this.notice.text);
      }
    } finally {
      this.busy = false;
    }
  }

  /** Back to the list with a message, and a fresh list behind it. */
  private async backToTimes(message?: string, tone: Notice['tone'] = 'info', tellServer = true) {
    const released = this.hold?.release(false, tellServer);
    this.problems = {};
    await this.refreshWith(message, tone, released);
  }

  /** Shows the list at once; refreshes it after `settled`, so a time just given back is in it. */
  private async refreshWith(message: string | undefined, tone: Notice['tone'], settled: Promise<void> = Promise.resolve()) {
    this.step = 'times';
    this.notice = message ? { text: message, tone } : undefined;
    if (message) this.announce(message);
    await this.moveFocus();
    await settled;
    await this.load(true);
  }

  private back = () => this.backToTimes();

  // ------------------------------------------------------------ confirm

  private readSignUp(form: HTMLFormElement): SignUp {
    const data = new FormData(form);
    const value = (field: SignUpField) => String(data.get(field) ?? '').trim();
    return {
      first_name: value('first_name'),
      last_name: value('last_name'),
      email: value('email'),
      phone: value('phone'),
      date_of_birth: value('date_of_birth'),
    };
  }

  private async showProblems(problems: SignUpProblems) {
    this.problems = problems;
    const fields = SIGN_UP_FIELDS.filter((field) => problems[field]);
    this.announce(this.t.fixFields(fields.length));
    await this.moveFocus(`#field-${fields[0]}`);
  }

  private submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const hold = this.hold?.held;
    if (!hold || this.busy) return;
    const patient = this.readSignUp(event.target as HTMLFormElement);
    const { checkSignUp, isoDay } = this.afterPick!;
    const { problems } = checkSignUp(patient, isoDay(new Date()));
    if (problems) {
      await this.showProblems(problems);
      return;
    }
    this.problems = {};
    this.notice = undefined;
    this.busy = true;
    try {
      const booking = await this.bff.confirm({ hold_token: hold.hold_token, patient, website: '' });
      this.hold?.booked();
      this.booked = { booking, location: hold.location, calendar: await this.calendarFor(booking, hold.location) };
      this.makeCalendarUrl();
      this.step = 'done';
      this.emit('thread-booked', booking);
      this.announce(this.t.booked);
      await this.moveFocus();
    } catch (error) {
      const reason = error instanceof BffError ? error.reason : undefined;
      if (reason === 'invalid_fields' && error instanceof BffError && error.body?.fields) {
        await this.showProblems(error.body.fields);
      } else if (reason === 'hold_expired' || reason === 'hold_not_found') {
        await this.backToTimes(this.t.holdExpired, 'info', false);
      } else if (reason === 'slot_taken') {
        await this.backToTimes(this.t.slotTaken, 'info', false);
      } else {
        // The server's message is not logged here: it could echo what the patient typed.
        if (!(error instanceof BffError && error.status === 400)) this.tellDesigner(error, 'confirming');
        this.notice = { text: this.messageFor(error), tone: 'error' };
        this.announce(this.notice.text);
      }
    } finally {
      this.busy = false;
    }
  };

  private clearProblem(event: Event) {
    this.hold?.startedForm();
    const field = (event.target as HTMLInputElement).name as SignUpField;
    if (this.problems[field]) {
      const { [field]: _, ...rest } = this.problems;
      this.problems = rest;
    }
  }

  private async calendarFor(booking: ConfirmResponse, location: ScheduleLocation): Promise<string> {
    const start = new Date(booking.start_datetime);
    return this.afterPick!.calendarFile({
      uid: await this.afterPick!.appointmentUid(booking.manage_url, booking.booking_id),
      start,
      end: new Date(start.getTime() + booking.length * 60_000),
      summary: this.t.calendarSummary(location.name),
      location: [location.name, ...addressLines(location)].join(', '),
      description: booking.manage_url ? this.t.calendarManage(booking.manage_url) : undefined,
      url: booking.manage_url ?? (location.website || undefined),
    });
  }

  private makeCalendarUrl() {
    if (!this.booked) return;
    if (this.calendarUrl) URL.revokeObjectURL(this.calendarUrl);
    this.calendarUrl = URL.createObjectURL(new Blob([this.booked.calendar], { type: 'text/calendar' }));
  }

  // ------------------------------------------------------------ rendering

  protected override render() {
    // Until the page's language has come, bones without words: never a flash of another language.
    if (this.translation.language !== this.locale) {
      return html`<div class="root"><section class="card" part="card" aria-busy="true"><div class="body">${this.renderBones()}</div></section></div>`;
    }
    return html`<div class="root" lang=${this.locale}>
      <div class="sr-only" role="status" aria-live="polite" aria-atomic="true">${this.announcement}</div>
      <section class="card" part="card" aria-labelledby="title" aria-busy=${this.step === 'loading' ? 'true' : 'false'}>
        <header class="head">
          <h2 id="title" part="title">${this.step === 'manage' ? this.t.manageTitle : this.t.title}</h2>
          ${this.renderPlace()}
        </header>
        ${this.renderStep()}
      </section>
    </div>`;
  }

  /** The one location's name and address under the title. */
  private renderPlace() {
    const locations = this.schedule?.locations ?? [];
    const location = this.step === 'form' ? this.hold?.held?.location : this.location;
    if (!location || this.step === 'done' || this.step === 'failed' || this.step === 'manage') return nothing;
    if (locations.length > 1 && this.step === 'times') return nothing;
    return html`<p class="place"><span class="place-name">${location.name}</span>
      <span class="muted">${addressLines(location).join(' · ')}</span></p>`;
  }

  private renderStep(): TemplateResult | typeof nothing {
    switch (this.step) {
      case 'loading':
        return this.renderLoading();
      case 'failed':
        return this.renderFailure();
      case 'times':
        return this.renderTimes();
      case 'form':
        return this.renderForm();
      case 'done':
        return this.renderDone();
      case 'manage':
        return this.managing?.render() ?? html`<div class="body">${this.renderBones()}</div>`;
    }
  }

  private renderLoading() {
    return html`<div class="body">
      <p class="muted">${this.t.loading}</p>
      ${this.renderBones()}
    </div>`;
  }

  private renderBones() {
    // Sizes come from classes: a strict CSP (style-src 'self') forbids style attributes.
    const row = html`<span class="bone-row">${[1, 2, 3, 4].map(() => html`<span class="bone time-bone"></span>`)}</span>`;
    return html`<div class="skeleton" aria-hidden="true">
      <span class="bone day-bone"></span>${row}<span class="bone day-bone short"></span>${row}
    </div>`;
  }

  private renderFailure() {
    const failure = this.failure ?? { text: this.t.generic, canRetry: true };
    return html`<div class="body">
      <p id="failure" class="alert" part="error" tabindex="-1">${failure.text}</p>
      ${failure.canRetry
        ? html`<button class="primary" part="button" @click=${this.retry}>${this.t.retry}</button>`
        : nothing}
    </div>`;
  }

  private renderNotice() {
    if (!this.notice) return nothing;
    const part = this.notice.tone === 'error' ? 'notice error' : 'notice';
    return html`<p class="notice ${this.notice.tone}" part=${part}>${this.notice.text}</p>`;
  }

  private renderPicker() {
    const locations = this.schedule?.locations ?? [];
    if (locations.length < 2) return nothing;
    const selected = this.location?.id;
    return html`<fieldset class="picker" part="location-picker">
      <legend>${this.t.chooseLocation}</legend>
      <div class="choices">
        ${locations.map(
          (location) => html`<label class="choice">
            <input type="radio" name="location" .value=${location.id} .checked=${location.id === selected}
              @change=${this.chooseLocation} />
            <span class="choice-text">
              <span class="place-name">${location.name}</span>
              ${addressLines(location).map((line) => html` <span class="muted">${line}</span>`)}
            </span>
          </label>`,
        )}
      </div>
    </fieldset>`;
  }

  private renderTimes() {
    const location = this.location;
    const t = this.t;
    const days = location ? groupByDay(location.slots, location.timezone, this.locale) : [];
    const several = (this.schedule?.locations.length ?? 0) > 1;
    const zone = location
      ? zoneName(new Date(location.slots[0]?.start_datetime ?? Date.now()), location.timezone, this.locale, 'longGeneric')
      : '';
    return html`<div class="body">
      ${this.renderPicker()}
      <h3 id="step-heading" tabindex="-1">${t.chooseTime}</h3>
      ${days.length > 0 ? html`<p class="muted zone" part="zone">${t.timesIn(zone)}</p>` : nothing}
      ${this.renderNotice()}
      ${days.length === 0
        ? html`<p class="empty" part="error">
            ${several && location ? t.noTimesHere(location.name, this.windowDays) : t.noTimes(this.windowDays)}
          </p>`
        : html`<ul class="days" role="list">
            ${days.slice(0, this.shownDays).map(
              (day) => html`<li class="day">
                <h4 class="day-name" id=${`day-${day.key}`}>${day.heading}</h4>
                <ul class="times" role="list" aria-labelledby=${`day-${day.key}`}>
                  ${day.times.map(
                    (choice) => html`<li>
                      <button class="time" part="time" aria-label=${choice.label}
                        aria-disabled=${this.busy ? 'true' : 'false'}
                        @click=${() => this.pick(location!, choice.slot)}>${choice.time}</button>
                    </li>`,
                  )}
                </ul>
              </li>`,
            )}
          </ul>`}
      ${days.length > this.shownDays
        ? html`<button class="more" part="button more" @click=${this.showMoreDays}>${t.moreDays}</button>`
        : nothing}
    </div>`;
  }

  private renderWhen(start: Date, location: ScheduleLocation, withYear: boolean) {
    return {
      date: dayName(start, location.timezone, this.locale, withYear),
      time: clockTime(start, location.timezone, this.locale),
      zone: zoneName(start, location.timezone, this.locale),
    };
  }

  private renderForm() {
    const hold = this.hold?.held;
    if (!hold) return nothing;
    const t = this.t;
    const when = this.renderWhen(new Date(hold.start_datetime), hold.location, true);
    return html`<div class="body">
      <div class="summary" part="summary">
        <p class="eyebrow">${t.selectedTime}</p>
        <p class="when"><span>${when.date}</span> <span>${when.time} <span class="muted">${when.zone}</span></span></p>
        ${this.renderCountdown()}
        <button class="link" part="button back" @click=${this.back}>${t.changeTime}</button>
      </div>
      <h3 id="step-heading" tabindex="-1">${t.yourDetails}</h3>
      <p class="muted hint">${t.allRequired}</p>
      ${this.renderNotice()}
      <form part="form" novalidate @submit=${this.submit} @input=${this.clearProblem}>
        <div class="fields">${SIGN_UP_FIELDS.map((field) => this.renderField(field))}</div>
        <button class="primary" part="button" type="submit" aria-disabled=${this.busy ? 'true' : 'false'}>
          ${this.busy ? t.confirming : t.confirm}
        </button>
      </form>
    </div>`;
  }

  /** The clock, what it warns of, and the way to more time while there is some. */
  private renderCountdown() {
    const { remaining, message, canExtend, extending } = this.hold!;
    return html`<div class="clockline">
        <p class="countdown" part="countdown">
          <svg class="icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
            <circle cx="12" cy="12" r="9" /><path d="M12 7v5l3 2" />
          </svg>
          <span>${this.t.holdFor} <span class="clock" role="timer">${countdown(remaining)}</span></span>
        </p>
        ${canExtend
          ? html`<button class="more-time" part="button more-time" aria-disabled=${extending ? 'true' : 'false'}
              @click=${this.moreTime}>${this.t.moreTime}</button>`
          : nothing}
      </div>
      ${message
        ? html`<p id="hold-message" class="hold-message ${message.tone}" part="hold-message" tabindex="-1">${message.text}</p>`
        : nothing}`;
  }

  /** When the last extension is spent the button goes: focus goes to the sentence that says so. */
  private moreTime = async () => {
    await this.hold?.moreTime();
    if (this.hold?.canExtend === false && this.step === 'form') await this.moveFocus('#hold-message');
  };

  private renderField(field: SignUpField) {
    const t = this.t;
    const problem = this.problems[field];
    const message = problem ? (problem === 'invalid' ? t.fieldErrors.invalid[field] : t.fieldErrors[problem]) : '';
    const input = INPUTS[field];
    const { MAX_LENGTH, isoDay } = this.afterPick!;
    return html`<div class="field ${field}" part="field">
      <label for=${`field-${field}`}>${t.fields[field]}</label>
      <input id=${`field-${field}`} part="input" name=${field} type=${input.type} autocomplete=${input.autocomplete}
        required maxlength=${field === 'date_of_birth' ? nothing : MAX_LENGTH[field]}
        max=${field === 'date_of_birth' ? isoDay(new Date()) : nothing}
        aria-invalid=${problem ? 'true' : 'false'} aria-describedby=${problem ? `error-${field}` : nothing} />
      ${problem ? html`<p class="error" id=${`error-${field}`} part="error">${message}</p>` : nothing}
    </div>`;
  }

  private renderDone() {
    const booked = this.booked;
    if (!booked) return nothing;
    const t = this.t;
    const when = this.renderWhen(new Date(booked.booking.start_datetime), booked.location, true);
    return html`<div class="body done" part="confirmation">
      <div class="check" aria-hidden="true">
        <svg viewBox="0 0 24 24" width="28" height="28"><path d="M5 12.5l4.5 4.5L19 7.5" /></svg>
      </div>
      <h3 id="step-heading" tabindex="-1">${t.booked}</h3>
      <p class="muted">${t.bookedIntro}</p>
      <dl class="facts">
        <div><dt>${t.date}</dt><dd>${when.date}</dd></div>
        <div><dt>${t.time}</dt><dd>${when.time} (${when.zone})</dd></div>
        <div>
          <dt>${t.where}</dt>
          <dd>${booked.location.name}${addressLines(booked.location).map((line) => html`<br />${line}`)}</dd>
        </div>
      </dl>
      ${this.calendarUrl
        ? html`<a class="primary" part="button calendar" href=${this.calendarUrl} download="appointment.ics">
            ${t.addToCalendar}
          </a>`
        : nothing}
      ${booked.booking.manage_url
        ? html`<p class="manage-link" part="manage-link"><a class="link" href=${booked.booking.manage_url}>${t.manageLink}</a><br />
            <span class="muted">${t.manageLinkHint}</span></p>`
        : nothing}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'thread-scheduling': ThreadScheduling;
  }
}
