import { html, nothing, type ReactiveController, type ReactiveControllerHost, type TemplateResult } from 'lit';
import type { BookingEventDetail, Location, ManageCancelResponse, ManageView, Slot } from '../../shared/types.js';
import { BffError, NetworkError, type Bff } from './bff.js';
import { appointmentUid, calendarFile } from './ics.js';
import { manageStrings, type ManageTranslation } from './manage-translations.js';
import { addressLines } from './place.js';
import { clockTime, dayName, groupByDay, zoneName } from './time.js';
import type { Language, Translation } from './translations.js';

const DAYS_AT_A_TIME = 5;

/** Where the patient is: the appointment, asking to cancel, choosing a time, asking to move, done, or a link that is no good. */
type Phase = 'loading' | 'view' | 'cancel' | 'choose' | 'move' | 'cancelled' | 'moved' | 'invalid' | 'failed';

export interface ManageOptions {
  bff(): Bff;
  /** The element's strings (dates' labels, retry, errors) and language. */
  t(): Translation;
  language(): Language;
  days(): number;
  announce(text: string): void;
  emit(name: 'thread-cancelled' | 'thread-rescheduled', detail: BookingEventDetail): void;
  /** Moves focus to the selector (default: the step's heading) once the host has drawn. */
  focus(selector?: string): Promise<void>;
  /** Offered once cancelled, when the page also books (it has location-ids). */
  bookAgain?: () => void;
}

/**
 * A booked appointment opened by its private link: see it, cancel it, or move it to another open
 * time of its location until the practice's cut-off; then how to reach the practice. The link's
 * secret lives only here, in memory: never stored, logged, put in an event or a URL.
 */
export class ManageController implements ReactiveController {
  phase: Phase = 'loading';
  view: ManageView | undefined;
  /** The time to move to, while the patient confirms it. */
  chosen: Slot | undefined;
  /** The appointment as it was before a cancel or a move, for the page that follows. */
  before: ManageView | undefined;
  busy = false;
  notice: string | undefined;
  shownDays = DAYS_AT_A_TIME;
  private calendarUrl: string | undefined;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly token: string,
    private readonly options: ManageOptions,
  ) {
    host.addController(this);
  }

  hostConnected(): void {}

  hostDisconnected(): void {
    if (this.calendarUrl) URL.revokeObjectURL(this.calendarUrl);
    this.calendarUrl = undefined;
  }

  get strings(): ManageTranslation {
    return manageStrings[this.options.language()];
  }

  /** Reads the appointment; `then` is the phase to show once it is read. */
  async open(then: Phase = 'view', notice?: string): Promise<void> {
    if (!this.token) return this.show('invalid');
    try {
      this.view = await this.options.bff().post<ManageView>('/manage', { manage_token: this.token, days: this.options.days() });
      this.shownDays = DAYS_AT_A_TIME;
      await this.show(this.view.can_change ? then : 'view', notice);
    } catch (error) {
      await this.failed(error);
    }
  }

  private async show(phase: Phase, notice?: string, focus = phase === 'invalid' || phase === 'failed' ? '#failure' : undefined) {
    this.phase = phase;
    this.notice = notice;
    if (notice) this.options.announce(notice);
    this.host.requestUpdate();
    await this.options.focus(focus);
  }

  private async failed(error: unknown): Promise<void> {
    const t = this.options.t();
    const reason = error instanceof BffError ? error.reason : undefined;
    if (reason === 'manage_not_found') return this.show('invalid', this.strings.invalid);
    if (reason === 'past_cutoff' || (error instanceof BffError && error.status === 409 && !reason)) return this.open('view');
    if (reason === 'slot_taken') return this.open('choose', this.strings.slotTaken);
    const text =
      reason === 'manage_busy'
        ? this.strings.busy
        : error instanceof NetworkError
          ? t.network
          : error instanceof BffError && error.status === 429
            ? t.rateLimited(error.retryAfter)
            : t.generic;
    if (!this.view) return this.show('failed', text);
    this.notice = text;
    this.options.announce(text);
    this.host.requestUpdate();
  }

  private choose = () => this.show('choose');
  private backToView = () => this.show('view');
  private askCancel = () => this.show('cancel');
  private retry = () => this.open();

  private pick(slot: Slot) {
    this.chosen = slot;
    return this.show('move');
  }

  private showMoreDays = async () => {
    const first = this.shownDays;
    this.shownDays += DAYS_AT_A_TIME;
    this.host.requestUpdate();
    await this.options.focus(`.day:nth-child(${first + 1}) .time`);
  };

  private cancel = async () => {
    const view = this.view;
    if (!view || this.busy) return;
    this.busy = true;
    this.notice = undefined;
    this.host.requestUpdate();
    try {
      const cancelled = await this.options.bff().post<ManageCancelResponse>('/manage/cancel', { manage_token: this.token });
      this.before = view;
      this.options.emit('thread-cancelled', cancelled);
      this.options.announce(this.strings.cancelled);
      await this.show('cancelled');
    } catch (error) {
      await this.failed(error);
    } finally {
      this.busy = false;
      this.host.requestUpdate();
    }
  };

  private move = async () => {
    const view = this.view;
    const slot = this.chosen;
    if (!view || !slot || this.busy) return;
    this.busy = true;
    this.notice = undefined;
    this.host.requestUpdate();
    try {
      const moved = await this.options
        .bff()
        .post<ManageView>('/manage/move', { manage_token: this.token, booking_id: slot.booking_id, start_datetime: slot.start_datetime });
      this.before = view;
      this.view = moved;
      await this.makeCalendar(moved);
      this.options.emit('thread-rescheduled', moved);
      this.options.announce(this.strings.moved);
      await this.show('moved');
    } catch (error) {
      await this.failed(error);
    } finally {
      this.busy = false;
      this.host.requestUpdate();
    }
  };

  /**
   * The moved appointment's calendar file, with the same private link (it now stands for the new time): the
   * booked step's event, changed (its UID, a higher SEQUENCE: minutes since 1970, as no count of moves is kept).
   */
  private async makeCalendar(view: ManageView) {
    const t = this.options.t();
    const start = new Date(view.start_datetime);
    const url = `${this.options.bff().base.replace(/\/bff\/v1$/, '')}/manage#${this.token}`;
    const file = calendarFile({
      uid: await appointmentUid(url, view.booking_id),
      sequence: Math.floor(Date.now() / 60_000),
      start,
      end: new Date(start.getTime() + view.length * 60_000),
      summary: t.calendarSummary(view.location.name),
      location: [view.location.name, ...addressLines(view.location)].join(', '),
      description: t.calendarManage(url),
      url,
    });
    if (this.calendarUrl) URL.revokeObjectURL(this.calendarUrl);
    this.calendarUrl = URL.createObjectURL(new Blob([file], { type: 'text/calendar' }));
  }

  // ------------------------------------------------------------ rendering

  render(): TemplateResult {
    const m = this.strings;
    const view = this.view;
    if (this.phase === 'loading') return html`<div class="body"><p class="muted">${m.loading}</p></div>`;
    if (this.phase === 'invalid' || this.phase === 'failed' || !view) {
      return html`<div class="body">
        <p id="failure" class="alert" part="error" tabindex="-1">${this.notice ?? m.invalid}</p>
        ${this.phase === 'failed' ? html`<button class="primary" part="button" @click=${this.retry}>${this.options.t().retry}</button>` : nothing}
      </div>`;
    }
    switch (this.phase) {
      case 'cancel':
        return this.renderAskCancel(view);
      case 'choose':
        return this.renderChoose(view);
      case 'move':
        return this.renderAskMove(view);
      case 'cancelled':
        return this.renderCancelled(this.before ?? view);
      case 'moved':
        return this.renderMoved(view);
      default:
        return this.renderView(view);
    }
  }

  private when(start: string, location: Location) {
    const date = new Date(start);
    const lang = this.options.language();
    return {
      date: dayName(date, location.timezone, lang, true),
      time: clockTime(date, location.timezone, lang),
      zone: zoneName(date, location.timezone, lang),
    };
  }

  private renderFacts(view: ManageView) {
    const t = this.options.t();
    const when = this.when(view.start_datetime, view.location);
    return html`<dl class="facts" part="appointment">
      <div><dt>${t.date}</dt><dd>${when.date}</dd></div>
      <div><dt>${t.time}</dt><dd>${when.time} (${when.zone})</dd></div>
      <div><dt>${t.where}</dt><dd>${view.location.name}${addressLines(view.location).map((line) => html`<br />${line}`)}</dd></div>
    </dl>`;
  }

  private renderNotice() {
    return this.notice ? html`<p class="notice error" part="notice error">${this.notice}</p>` : nothing;
  }

  /** How to reach the practice: its name, address and website. */
  private renderContact(location: Location) {
    return html`<p>${this.strings.contactPractice}</p>
      <address class="contact" part="contact">
        ${location.name}${addressLines(location).map((line) => html`<br />${line}`)}
        ${location.website
          ? html`<br /><a class="link" part="button website" href=${location.website} target="_blank" rel="noopener noreferrer">${this.strings.website}</a>`
          : nothing}
      </address>`;
  }

  private renderView(view: ManageView) {
    const m = this.strings;
    const lang = this.options.language();
    const until = new Date(view.changeable_until);
    const tz = view.location.timezone;
    let body: TemplateResult;
    if (view.status !== 'booked') {
      body = html`<p class="notice" part="notice">${m.cancelledByPractice}</p>${this.renderContact(view.location)}`;
    } else if (!view.can_change) {
      body = html`<p class="notice" part="notice">${m.pastCutoff}</p>${this.renderContact(view.location)}`;
    } else {
      body = html`<p class="muted">${m.changeableUntil(`${dayName(until, tz, lang, true)}, ${clockTime(until, tz, lang)}`)}</p>
        <div class="actions">
          <button class="primary" part="button change-time" @click=${this.choose}>${m.changeTime}</button>
          <button class="secondary" part="button cancel" @click=${this.askCancel}>${m.cancelAppointment}</button>
        </div>`;
    }
    return html`<div class="body manage" part="manage">
      <h3 id="step-heading" tabindex="-1">${m.yourAppointment}</h3>
      ${this.renderNotice()} ${this.renderFacts(view)} ${body}
    </div>`;
  }

  private renderAskCancel(view: ManageView) {
    const m = this.strings;
    return html`<div class="body manage" part="manage">
      <h3 id="step-heading" tabindex="-1">${m.cancelQuestion}</h3>
      ${this.renderFacts(view)}
      <p>${m.cancelExplain}</p>
      ${this.renderNotice()}
      <div class="actions">
        <button class="primary danger" part="button confirm-cancel" aria-disabled=${this.busy ? 'true' : 'false'} @click=${this.cancel}>
          ${this.busy ? m.cancelling : m.confirmCancel}
        </button>
        <button class="secondary" part="button keep" @click=${this.backToView}>${m.keepIt}</button>
      </div>
    </div>`;
  }

  private renderChoose(view: ManageView) {
    const m = this.strings;
    const t = this.options.t();
    const lang = this.options.language();
    const tz = view.location.timezone;
    const days = groupByDay(view.slots, tz, lang);
    const zone = zoneName(new Date(view.slots[0]?.start_datetime ?? view.start_datetime), tz, lang, 'longGeneric');
    return html`<div class="body manage" part="manage">
      <h3 id="step-heading" tabindex="-1">${m.chooseNewTime}</h3>
      ${days.length > 0 ? html`<p class="muted zone" part="zone">${t.timesIn(zone)}</p>` : nothing}
      ${this.renderNotice()}
      ${days.length === 0
        ? html`<p class="empty" part="error">${m.noOtherTimes(this.options.days())}</p>`
        : html`<ul class="days" role="list">
            ${days.slice(0, this.shownDays).map(
              (day) => html`<li class="day">
                <h4 class="day-name" id=${`day-${day.key}`}>${day.heading}</h4>
                <ul class="times" role="list" aria-labelledby=${`day-${day.key}`}>
                  ${day.times.map(
                    (choice) => html`<li>
                      <button class="time" part="time" aria-label=${choice.label} @click=${() => this.pick(choice.slot)}>${choice.time}</button>
                    </li>`,
                  )}
                </ul>
              </li>`,
            )}
          </ul>`}
      ${days.length > this.shownDays ? html`<button class="more" part="button more" @click=${this.showMoreDays}>${t.moreDays}</button>` : nothing}
      <button class="link" part="button back" @click=${this.backToView}>${m.keepTime}</button>
    </div>`;
  }

  private renderAskMove(view: ManageView) {
    const m = this.strings;
    const slot = this.chosen!;
    const from = this.when(view.start_datetime, view.location);
    const to = this.when(slot.start_datetime, view.location);
    return html`<div class="body manage" part="manage">
      <h3 id="step-heading" tabindex="-1">${m.moveQuestion}</h3>
      <dl class="facts" part="appointment">
        <div><dt>${m.from}</dt><dd>${from.date}, ${from.time} (${from.zone})</dd></div>
        <div><dt>${m.to}</dt><dd>${to.date}, ${to.time} (${to.zone})</dd></div>
      </dl>
      ${this.renderNotice()}
      <div class="actions">
        <button class="primary" part="button confirm-move" aria-disabled=${this.busy ? 'true' : 'false'} @click=${this.move}>
          ${this.busy ? m.moving : m.confirmMove}
        </button>
        <button class="secondary" part="button" @click=${this.choose}>${m.chooseAnother}</button>
      </div>
    </div>`;
  }

  private renderCancelled(view: ManageView) {
    const m = this.strings;
    return html`<div class="body done" part="confirmation">
      <h3 id="step-heading" tabindex="-1">${m.cancelled}</h3>
      <p class="muted">${m.cancelledIntro}</p>
      ${this.renderFacts(view)}
      ${this.options.bookAgain ? html`<button class="primary" part="button" @click=${this.options.bookAgain}>${m.bookAgain}</button>` : nothing}
    </div>`;
  }

  private renderMoved(view: ManageView) {
    const m = this.strings;
    return html`<div class="body done" part="confirmation">
      <div class="check" aria-hidden="true"><svg viewBox="0 0 24 24" width="28" height="28"><path d="M5 12.5l4.5 4.5L19 7.5" /></svg></div>
      <h3 id="step-heading" tabindex="-1">${m.moved}</h3>
      <p class="muted">${m.movedIntro}</p>
      ${this.renderFacts(view)}
      ${this.calendarUrl
        ? html`<a class="primary" part="button calendar" href=${this.calendarUrl} download="appointment.ics">${m.addNewToCalendar}</a>`
        : nothing}
    </div>`;
  }
}
