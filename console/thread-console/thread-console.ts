import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { ApiError, ConsoleApi, type ConsoleLocation, type MeBody, type Site } from './api.js';
import styles from './console.styles.js';
import shellStyles from './thread-console.styles.js';
import { languageOf, translations, type ConsoleTranslation, type Language } from './translations.js';
import './console-appointments.js';
import './console-locations.js';
import './console-sites.js';
import './console-snippet.js';

export type Section = 'locations' | 'sites' | 'snippet' | 'appointments';
const SECTIONS: Section[] = ['locations', 'sites', 'snippet', 'appointments'];

/** What a section asks the console to announce in its live region. */
export type AnnounceEvent = CustomEvent<{ message: string }>;

/**
 * The practice console: signs in with the link's secret (from the URL's fragment, which is then
 * removed), and shows the signed-in practice's locations, web sites, embed builder and appointments.
 *
 * @property language - `lang`: `en` or `es` (default: the browser's).
 */
export class ThreadConsole extends LitElement {
  static override styles = [styles, shellStyles];
  static override properties = {
    language: { type: String, attribute: 'lang', reflect: true },
    state: { state: true },
    section: { state: true },
    me: { state: true },
    locations: { state: true },
    sites: { state: true },
    announcement: { state: true },
  };

  declare language: string;
  declare private state: 'loading' | 'signing-in' | 'signed-in' | 'signed-out';
  declare private section: Section;
  declare private me: MeBody | undefined;
  declare private locations: ConsoleLocation[];
  declare private sites: Site[];
  /** The sign-in page's message: why there is no session. */
  declare private problem: string | undefined;
  declare private announcement: string;
  private readonly api = new ConsoleApi();

  constructor() {
    super();
    this.language = languageOf(navigator.language);
    this.state = 'loading';
    this.section = 'locations';
    this.locations = [];
    this.sites = [];
    this.announcement = '';
  }

  private get t(): ConsoleTranslation {
    return translations[languageOf(this.language)];
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.start();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('language')) document.documentElement.lang = languageOf(this.language);
  }

  /** A link's secret is traded at once and taken out of the address bar; otherwise an existing session is used. */
  private async start(): Promise<void> {
    const secret = location.hash.slice(1);
    if (secret) {
      history.replaceState(null, '', location.pathname);
      this.state = 'signing-in';
      try {
        await this.api.signIn(decodeURIComponent(secret));
      } catch (error) {
        this.signedOut(this.describe(error, true));
        return;
      }
    }
    try {
      this.me = await this.api.me();
      const [locations, sites] = await Promise.all([this.api.locations(), this.api.sites()]);
      this.locations = locations.locations;
      this.sites = sites.sites;
      this.state = 'signed-in';
    } catch (error) {
      this.signedOut(error instanceof ApiError && error.status === 401 ? undefined : this.describe(error));
    }
  }

  private signedOut(problem?: string): void {
    this.problem = problem;
    this.me = undefined;
    this.state = 'signed-out';
  }

  /** A failure in the words of the console's language where we know it, the server's otherwise. */
  describe(error: unknown, signingIn = false): string {
    if (!(error instanceof ApiError)) return this.t.networkError;
    if (signingIn && error.status === 409) return this.t.linkUsed;
    if (signingIn && error.status === 410) return this.t.linkExpired;
    if (signingIn && (error.status === 404 || error.status === 400)) return this.t.linkUnknown;
    if (error.status === 401) return this.t.sessionEnded;
    return error.message;
  }

  private async signOut(): Promise<void> {
    try {
      await this.api.signOut();
      this.signedOut(this.t.signedOut);
    } catch (error) {
      this.announce(this.describe(error));
    }
  }

  private async reloadSites(): Promise<void> {
    this.sites = (await this.api.sites()).sites;
  }

  announce(message: string): void {
    // Emptied first, so the same words said twice are announced twice.
    this.announcement = '';
    requestAnimationFrame(() => (this.announcement = message));
  }

  private onAnnounce = (event: AnnounceEvent) => this.announce(event.detail.message);

  private choose(section: Section): void {
    this.section = section;
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('#content')?.focus());
  }

  private renderLanguage() {
    return html`<div class="language">
      <label for="language">${this.t.language}</label>
      <select id="language" @change=${(e: Event) => (this.language = (e.target as HTMLSelectElement).value as Language)}>
        <option value="en" ?selected=${languageOf(this.language) === 'en'} lang="en">English</option>
        <option value="es" ?selected=${languageOf(this.language) === 'es'} lang="es">Español</option>
      </select>
    </div>`;
  }

  private renderSignIn() {
    const t = this.t;
    return html`<header class="top">
        <p class="brand">Thread · ${t.title}</p>
        ${this.renderLanguage()}
      </header>
      <main id="content" class="sign-in" tabindex="-1">
        <h1>${t.signInTitle}</h1>
        ${this.state === 'signing-in' || this.state === 'loading'
          ? html`<p role="status">${this.state === 'signing-in' ? t.signingIn : t.loading}</p>`
          : html`${this.problem ? html`<p class="error" role="alert">${this.problem}</p>` : nothing}
              <p class="intro">${t.signInHelp}</p>`}
      </main>`;
  }

  private renderSection() {
    const common = { api: this.api, t: this.t, locations: this.locations, sites: this.sites };
    switch (this.section) {
      case 'locations':
        return html`<console-locations .t=${common.t} .locations=${common.locations}></console-locations>`;
      case 'sites':
        return html`<console-sites .t=${common.t} .api=${common.api} .sites=${common.sites} .describe=${(e: unknown) => this.describe(e)} @sites-changed=${() => this.reloadSites()}></console-sites>`;
      case 'snippet':
        return html`<console-snippet .t=${common.t} .api=${common.api} .locations=${common.locations} .sites=${common.sites} .origin=${this.me!.origin}></console-snippet>`;
      case 'appointments':
        return html`<console-appointments .t=${common.t} .api=${common.api} .locations=${common.locations} .describe=${(e: unknown) => this.describe(e)}></console-appointments>`;
    }
  }

  override render() {
    const t = this.t;
    const live = html`<div class="visually-hidden" role="status" aria-live="polite">${this.announcement}</div>`;
    if (this.state !== 'signed-in' || !this.me) return html`${this.renderSignIn()}${live}`;
    return html`<a class="skip" href="#content" @click=${(e: Event) => (e.preventDefault(), this.renderRoot.querySelector<HTMLElement>('#content')?.focus())}>${t.skipToContent}</a>
      <header class="top">
        <p class="brand">Thread · ${t.title}</p>
        <p class="practice"><strong>${this.me.practice.name}</strong> <span class="id">(${this.me.practice.id})</span></p>
        ${this.renderLanguage()}
        <button class="secondary" @click=${() => this.signOut()}>${t.signOut}</button>
      </header>
      <nav aria-label=${t.sectionsLabel}>
        <ul>
          ${SECTIONS.map(
            (section) => html`<li>
              <button class="tab" aria-current=${this.section === section ? 'page' : 'false'} @click=${() => this.choose(section)}>${t.sections[section]}</button>
            </li>`,
          )}
        </ul>
      </nav>
      <main id="content" tabindex="-1" @console-announce=${this.onAnnounce}>
        <h1>${t.sections[this.section]}</h1>
        ${this.renderSection()}
      </main>
      ${live}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'thread-console': ThreadConsole;
  }
}
