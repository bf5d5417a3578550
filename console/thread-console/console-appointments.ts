import { LitElement, html, nothing, type PropertyValues } from 'lit';
import type { SignUp } from '../../shared/types.js';
import type { Appointment, ConsoleApi, ConsoleLocation } from './api.js';
import styles from './console.styles.js';
import { announce } from './events.js';
import type { ConsoleTranslation } from './translations.js';

const SIGN_UP_ORDER = ['first_name', 'last_name', 'email', 'phone', 'date_of_birth'] as const;

/**
 * Upcoming booked appointments of one location at a time, in that location's time zone, a page at a
 * time; a patient's sign-up only when asked for (each view is audited on the server) and forgotten
 * when hidden.
 */
export class ConsoleAppointments extends LitElement {
  static override styles = styles;
  static override properties = {
    t: { attribute: false },
    api: { attribute: false },
    locations: { attribute: false },
    describe: { attribute: false },
    locationId: { state: true },
    appointments: { state: true },
    next: { state: true },
    loading: { state: true },
    problem: { state: true },
    signUps: { state: true },
  };
  declare t: ConsoleTranslation;
  declare api: ConsoleApi;
  declare locations: ConsoleLocation[];
  declare describe: (error: unknown) => string;
  declare private locationId: string;
  declare private appointments: Appointment[];
  declare private next: string | null;
  declare private loading: boolean;
  declare private problem: string | undefined;
  /** Sign-ups on screen, by booking: shown only while asked for. */
  declare private signUps: Map<string, SignUp | 'none'>;

  constructor() {
    super();
    this.locationId = '';
    this.appointments = [];
    this.next = null;
    this.loading = false;
    this.signUps = new Map();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('locations') && !this.locationId && this.locations.length > 0) {
      this.locationId = this.locations[0].id;
      void this.load();
    }
  }

  private get location(): ConsoleLocation | undefined {
    return this.locations.find((l) => l.id === this.locationId);
  }

  private async load(more = false): Promise<void> {
    this.loading = true;
    this.problem = undefined;
    try {
      const page = await this.api.appointments(this.locationId, more ? (this.next ?? undefined) : undefined);
      this.appointments = more ? [...this.appointments, ...page.appointments] : page.appointments;
      this.next = page.next;
      if (!more) this.signUps = new Map();
      announce(this, this.appointments.length ? this.t.appointmentsCount(this.appointments.length) : this.t.noAppointments);
    } catch (error) {
      this.problem = this.describe(error);
    } finally {
      this.loading = false;
    }
  }

  private when(appointment: Appointment): string {
    return new Intl.DateTimeFormat(this.t.locale, { timeZone: this.location?.timezone, dateStyle: 'full', timeStyle: 'short' }).format(new Date(appointment.start_datetime));
  }

  private zoneName(): string {
    const zone = this.location?.timezone;
    if (!zone) return '';
    const part = new Intl.DateTimeFormat(this.t.locale, { timeZone: zone, timeZoneName: 'longGeneric' }).formatToParts(new Date()).find((p) => p.type === 'timeZoneName');
    return `${part?.value ?? zone} (${zone})`;
  }

  private async toggleSignUp(appointment: Appointment): Promise<void> {
    const shown = new Map(this.signUps);
    if (shown.has(appointment.id)) {
      shown.delete(appointment.id);
      this.signUps = shown;
      return;
    }
    try {
      shown.set(appointment.id, await this.api.signUp(appointment.id));
    } catch (error) {
      if ((error as { status?: number }).status !== 404) {
        announce(this, this.describe(error));
        return;
      }
      shown.set(appointment.id, 'none');
    }
    this.signUps = shown;
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(`#signup-${CSS.escape(appointment.id)}`)?.focus());
  }

  private renderSignUp(appointment: Appointment) {
    const signUp = this.signUps.get(appointment.id);
    if (!signUp) return nothing;
    const t = this.t;
    return html`<div class="signup" id="signup-${appointment.id}" tabindex="-1" role="region" aria-label=${t.signUpOf(this.when(appointment))}>
      ${signUp === 'none'
        ? html`<p>${t.noSignUp}</p>`
        : html`<dl>
            ${SIGN_UP_ORDER.map((field) => html`<div class="row"><dt>${t.signUpFields[field]}:</dt><dd class="grow">${signUp[field]}</dd></div>`)}
          </dl>`}
    </div>`;
  }

  override render() {
    const t = this.t;
    if (this.locations.length === 0) return html`<p>${t.noLocations}</p>`;
    return html`<p class="intro">${t.appointmentsIntro}</p>
      <div class="field">
        <label for="location">${t.location}</label>
        <select
          id="location"
          @change=${(e: Event) => {
            this.locationId = (e.target as HTMLSelectElement).value;
            void this.load();
          }}
        >
          ${this.locations.map((l) => html`<option value=${l.id} ?selected=${l.id === this.locationId}>${l.name} (${l.id})</option>`)}
        </select>
      </div>
      <p>${t.timesIn(this.zoneName())}</p>
      ${this.problem ? html`<p class="error" role="alert">${this.problem}</p>` : nothing}
      ${this.loading && this.appointments.length === 0
        ? html`<p>${t.loading}</p>`
        : this.appointments.length === 0
          ? html`<p>${t.noAppointments}</p>`
          : html`<ul class="plain">
              ${this.appointments.map(
                (appointment) => html`<li class="card">
                  <div class="row">
                    <div class="grow">
                      <h2 id="when-${appointment.id}">${this.when(appointment)}</h2>
                      <p>${t.doctor}: <code>${appointment.doctor_id}</code> · ${t.length}: ${t.minutes(appointment.length)}</p>
                    </div>
                    <button
                      class="secondary"
                      aria-describedby="when-${appointment.id}"
                      aria-expanded=${this.signUps.has(appointment.id) ? 'true' : 'false'}
                      @click=${() => this.toggleSignUp(appointment)}
                    >
                      ${this.signUps.has(appointment.id) ? t.hideSignUp : t.showSignUp}
                    </button>
                  </div>
                  ${this.renderSignUp(appointment)}
                </li>`,
              )}
            </ul>`}
      ${this.next ? html`<button class="secondary" ?disabled=${this.loading} @click=${() => this.load(true)}>${t.more}</button>` : nothing}`;
  }
}
customElements.get('console-appointments') || customElements.define('console-appointments', ConsoleAppointments);
