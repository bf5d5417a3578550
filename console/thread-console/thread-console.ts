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
  /** Sections shown so far: the builder loads widget.js, and the appointments their list, only once asked for. */
  private readonly visited = new Set<Section>(['locations', 'sites']);

  constructor() {
    super();
    this.language = languageOf(navigator.language);
    this.state = 'loading';
    this.section = 'locations';
    this.locations = [];
    this.sites = [];
    this.announcement = '';
    this.api.onSessionEnded = () => this.signedOut(this.t.sessionEnded);
  }

  private get t(): ConsoleTranslation {
    return translations[languageOf(this.language)];
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // A new link opened in a tab already on the console changes only the fragment: no page load.
    window.addEventListener('hashchange', this.onHashChange);
    void this.start();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('hashchange', this.onHashChange);
  }

  private onHashChange = () => {
    if (location.hash.length > 1) void this.start();
  };

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
    if (signingIn && error.status === 429) return this.t.tooManySignIns;
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
    this.visited.add(section);
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
              <p class="intro">${t.signInHelp}</p>
              <pre class="command"><code>${t.signInCommand}</code></pre>`}
      </main>`;
  }

  /** Every section stays on the page once shown (hidden when not chosen), so the builder keeps its choices and its preview. */
  private renderSections() {
    const t = this.t;
    const describe = (error: unknown) => this.describe(error);
    const section = (name: Section, content: unknown) =>
      html`<section ?hidden=${this.section !== name} aria-labelledby="title-${name}"><h1 id="title-${name}">${t.sections[name]}</h1>${content}</section>`;
    return html`${section('locations', html`<console-locations .t=${t} .locations=${this.locations}></console-locations>`)}
    ${section('sites', html`<console-sites .t=${t} .api=${this.api} .sites=${this.sites} .describe=${describe} @sites-changed=${() => this.reloadSites()}></console-sites>`)}
    ${this.visited.has('snippet')
      ? section('snippet', html`<console-snippet .t=${t} .api=${this.api} .locations=${this.locations} .sites=${this.sites} .origin=${this.me!.origin}></console-snippet>`)
      : nothing}
    ${this.visited.has('appointments')
      ? section('appointments', html`<console-appointments .t=${t} .api=${this.api} .locations=${this.locations} .describe=${describe}></console-appointments>`)
      : nothing}`;
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
      <main id="content" tabindex="-1" @console-announce=${this.onAnnounce}>${this.renderSections()}</main>
      ${live}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'thread-console': ThreadConsole;
  }
}
