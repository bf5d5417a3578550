import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { ExtendResponse, HoldResponse, ScheduleLocation } from '../../shared/types.js';
import { BffError, type Bff } from './bff.js';
import type { Translation } from './translations.js';

/** A held time and where it is. The token is secret: memory only, never stored, logged or put in an event. */
export type HeldTime = HoldResponse & { location: ScheduleLocation };

/** Seconds left at which the patient is warned: early enough to ask for more time, and once more near the end (WCAG 2.2.1 asks for 20 s at least). */
const WARN_AT = [120, 30];
const TICK_MS = 250;

export interface HoldOptions {
  bff(): Bff;
  t(): Translation;
  /** Says a sentence once through the polite live region. */
  announce(text: string): void;
  emit(name: 'thread-hold' | 'thread-release', hold: HeldTime): void;
  /** A sentence for a failed request (offline, too many tries). */
  explain(error: unknown): string;
  /** The hold is gone under the patient (it ran out, or the server no longer has it): back to the times. */
  lost(): void;
  /** While a confirm is on its way, a countdown at zero waits for the server's answer. */
  confirming(): boolean;
}

/**
 * A hold's life in the widget: its countdown, the warnings before it ends, more time on
 * request, and giving it back on the way out (back, timeout, page exit, element removed).
 */
export class HoldController implements ReactiveController {
  held: HeldTime | undefined;
  /** Seconds left on the countdown. */
  remaining = 0;
  /** Further extensions the BFF allows; undefined until it has said. */
  extensionsLeft: number | undefined;
  /** What the countdown area says besides the clock: a warning, that time was refused, or why a request failed. */
  message: { text: string; tone: 'info' | 'error' } | undefined;
  extending = false;

  private deadline = 0;
  /** The server's expiry as last answered: an extension that does not pass it has hit the hold's total life. */
  private expiresAt = 0;
  private ticker: ReturnType<typeof setInterval> | undefined;
  private formStarted = false;
  private releasedOnPageHide = false;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly options: HoldOptions,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    window.addEventListener('pagehide', this.onPageHide);
    window.addEventListener('pageshow', this.onPageShow);
  }

  hostDisconnected(): void {
    window.removeEventListener('pagehide', this.onPageHide);
    window.removeEventListener('pageshow', this.onPageShow);
    void this.release(true);
  }

  /** More time can still be asked for. */
  get canExtend(): boolean {
    return this.extensionsLeft !== 0;
  }

  /** A time is now held for the patient. */
  start(hold: HeldTime): void {
    this.held = hold;
    this.extensionsLeft = undefined;
    this.message = undefined;
    this.formStarted = false;
    this.expiresAt = Date.parse(hold.expires_at);
    this.countFrom(hold.expires_in);
    this.options.emit('thread-hold', hold);
  }

  /** The patient started on the form: the short first hold is lengthened, once, without a word. */
  startedForm(): void {
    const hold = this.held;
    if (!hold || this.formStarted) return;
    this.formStarted = true;
    this.options
      .bff()
      .extend(hold.hold_token)
      .then(
        (longer) => this.held === hold && this.lengthen(longer),
        () => {
          // The first hold still runs; the warnings and More time are there if it gets short.
        },
      );
  }

  /** The patient asked for more time. Settles once the countdown (or its message) says how it went. */
  moreTime = async (): Promise<void> => {
    const hold = this.held;
    if (!hold || this.extending || !this.canExtend) return;
    const t = this.options.t();
    this.extending = true;
    this.host.requestUpdate();
    try {
      const longer = await this.options.bff().extend(hold.hold_token);
      if (this.held !== hold) return;
      this.formStarted = true;
      this.lengthen(longer);
      this.say(this.canExtend ? undefined : t.noMoreTime, 'info');
      if (this.canExtend) this.options.announce(t.timeAdded(Math.max(1, Math.round(this.remaining / 60))));
    } catch (error) {
      if (this.held !== hold) return;
      const reason = error instanceof BffError ? error.reason : undefined;
      if (reason === 'extend_limit') {
        this.extensionsLeft = 0;
        this.say(t.noMoreTime, 'info');
      } else if (reason === 'hold_expired' || reason === 'hold_not_found') {
        this.options.lost();
      } else {
        this.say(this.options.explain(error), 'error');
      }
    } finally {
      this.extending = false;
      this.host.requestUpdate();
    }
  };

  /** The hold became a booking: nothing to give back. */
  booked(): void {
    this.stop();
    this.held = undefined;
    this.host.requestUpdate();
  }

  /** Ends the hold: tells the page, and the BFF unless the hold is already gone there. Settles once the BFF has it. */
  release(leavingPage = false, tellServer = true): Promise<void> {
    const hold = this.held;
    this.stop();
    if (!hold) return Promise.resolve();
    this.held = undefined;
    this.message = undefined;
    this.host.requestUpdate();
    this.options.emit('thread-release', hold);
    if (!tellServer) return Promise.resolve();
    return this.options
      .bff()
      .release(hold.hold_token, leavingPage)
      .catch(() => {
        // The hold runs out on the server anyway; nothing for the patient to do.
      });
  }

  /** The BFF caps calls (extensions_left) and a hold's total life: at that cap an extension answers the same expiry. */
  private lengthen(longer: ExtendResponse) {
    const expiresAt = Date.parse(longer.expires_at);
    this.extensionsLeft = expiresAt > this.expiresAt ? longer.extensions_left : 0;
    this.expiresAt = expiresAt;
    this.countFrom(longer.expires_in);
  }

  private say(text: string | undefined, tone: 'info' | 'error') {
    this.message = text ? { text, tone } : undefined;
    if (text) this.options.announce(text);
    this.host.requestUpdate();
  }

  private countFrom(seconds: number) {
    this.stop();
    this.deadline = performance.now() + Math.max(0, seconds) * 1000;
    this.remaining = Math.max(0, seconds);
    if (this.message?.tone === 'info' && this.canExtend) this.message = undefined;
    this.ticker = setInterval(this.tick, TICK_MS);
    this.host.requestUpdate();
  }

  private stop() {
    if (this.ticker !== undefined) clearInterval(this.ticker);
    this.ticker = undefined;
  }

  private tick = () => {
    const before = this.remaining;
    this.remaining = Math.max(0, (this.deadline - performance.now()) / 1000);
    const crossed = WARN_AT.find((at) => before > at && this.remaining <= at);
    if (crossed !== undefined) {
      const t = this.options.t();
      this.say(this.canExtend ? `${t.timeLeft(crossed)} ${t.askForMoreTime}` : t.timeLeft(crossed), 'info');
    }
    this.host.requestUpdate();
    if (this.remaining <= 0 && !this.options.confirming()) this.options.lost();
  };

  private onPageHide = () => {
    if (!this.held) return;
    void this.release(true);
    this.releasedOnPageHide = true;
  };

  /** Back from the back/forward cache: the hold was given back on the way out. */
  private onPageShow = (event: PageTransitionEvent) => {
    if (!event.persisted || !this.releasedOnPageHide) return;
    this.releasedOnPageHide = false;
    this.options.lost();
  };
}
