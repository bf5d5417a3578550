import { LitElement, html, nothing, type PropertyValues } from 'lit';
import type { ConsoleApi, ConsoleLocation, Site } from './api.js';
import styles from './console.styles.js';
import snippetStyles from './console-snippet.styles.js';
import { announce, copyText } from './events.js';
import { DEFAULT_ACCENT, DEFAULT_DAYS, MAX_DAYS, MIN_DAYS, contrastWithWhite, originOf, snippetOf } from './snippet.js';
import type { ConsoleTranslation } from './translations.js';

/**
 * The embed builder: which locations and in what order, the widget's language, days and accent
 * colour; the exact snippet with a copy button; a check that the page's site is registered; and a
 * live preview of the real <thread-scheduling>, loaded from this server's widget.js.
 */
export class ConsoleSnippet extends LitElement {
  static override styles = [styles, snippetStyles];
  static override properties = {
    t: { attribute: false },
    api: { attribute: false },
    locations: { attribute: false },
    sites: { attribute: false },
    origin: { attribute: false },
    chosen: { state: true },
    widgetLang: { state: true },
    days: { state: true },
    accent: { state: true },
    pageAddress: { state: true },
    widgetReady: { state: true },
  };
  declare t: ConsoleTranslation;
  declare api: ConsoleApi;
  declare locations: ConsoleLocation[];
  declare sites: Site[];
  /** This server's origin: where widget.js comes from. */
  declare origin: string;
  declare private chosen: string[];
  declare private widgetLang: 'en' | 'es';
  declare private days: number;
  declare private accent: string;
  declare private pageAddress: string;
  declare private widgetReady: boolean;

  constructor() {
    super();
    this.chosen = [];
    this.widgetLang = 'en';
    this.days = DEFAULT_DAYS;
    this.accent = DEFAULT_ACCENT;
    this.pageAddress = '';
    this.widgetReady = false;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    // Every location at first, in the practice's order.
    if (changed.has('locations') && this.chosen.length === 0) this.chosen = this.locations.map((l) => l.id);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    const previewBase = `${this.origin}/console/preview`;
    this.api.sendPreviewCallsWithSession(previewBase);
    import(/* @vite-ignore */ `${this.origin}/widget.js`).then(
      () => (this.widgetReady = true),
      () => announce(this, this.t.networkError),
    );
  }

  // Through CSSOM, not a style attribute: the console's CSP refuses inline styles.
  protected override updated(): void {
    this.renderRoot.querySelector<HTMLElement>('thread-scheduling')?.style.setProperty('--thread-accent', this.accent);
  }

  private nameOf(id: string): string {
    return this.locations.find((l) => l.id === id)?.name ?? id;
  }

  private toggle(id: string, on: boolean): void {
    const kept = this.chosen.filter((c) => c !== id);
    // A location chosen again goes where it stands in the practice's list, among those chosen.
    this.chosen = on ? this.locations.map((l) => l.id).filter((l) => kept.includes(l) || l === id) : kept;
  }

  private move(index: number, by: -1 | 1): void {
    const order = [...this.chosen];
    const [id] = order.splice(index, 1);
    order.splice(index + by, 0, id);
    this.chosen = order;
    const name = this.nameOf(id);
    // The focus follows the button pressed, to where it is now (or its twin when it reached an end).
    void this.updateComplete.then(() => {
      const buttons = this.renderRoot.querySelectorAll<HTMLButtonElement>(`[data-id="${CSS.escape(id)}"]`);
      const [up, down] = [...buttons];
      ((by < 0 ? up : down)?.disabled ? (by < 0 ? down : up) : by < 0 ? up : down)?.focus();
      announce(this, `${name}: ${index + by + 1} / ${order.length}`);
    });
  }

  private get snippet(): string {
    return snippetOf({ origin: this.origin, locationIds: this.chosen, lang: this.widgetLang, days: this.days, accent: this.accent });
  }

  private async copySnippet(): Promise<void> {
    announce(this, (await copyText(this.snippet)) ? this.t.snippetCopied : this.t.copyFailed);
  }

  private renderSiteCheck() {
    const t = this.t;
    if (!this.pageAddress.trim()) return nothing;
    const origin = originOf(this.pageAddress);
    if (!origin) return html`<p class="error">${t.notAnOrigin}</p>`;
    return this.sites.some((s) => s.origin === origin) ? html`<p class="ok">✓ ${t.registered(origin)}</p>` : html`<p class="warning">${t.notRegistered(origin)}</p>`;
  }

  override render() {
    const t = this.t;
    const contrast = contrastWithWhite(this.accent);
    const daysValid = Number.isInteger(this.days) && this.days >= MIN_DAYS && this.days <= MAX_DAYS;
    return html`<p class="intro">${t.snippetIntro}</p>
      <div class="builder">
        <div class="choices">
          <fieldset class="card">
            <legend>${t.chooseLocations}</legend>
            ${this.locations.map(
              (location) => html`<div class="check">
                <input
                  type="checkbox"
                  id="loc-${location.id}"
                  .checked=${this.chosen.includes(location.id)}
                  @change=${(e: Event) => this.toggle(location.id, (e.target as HTMLInputElement).checked)}
                />
                <label for="loc-${location.id}">${location.name} <code>${location.id}</code></label>
              </div>`,
            )}
          </fieldset>
          ${this.chosen.length > 1
            ? html`<div class="card">
                <h2 id="order-title">${t.chosenOrder}</h2>
                <ol class="order" aria-labelledby="order-title">
                  ${this.chosen.map(
                    (id, i) => html`<li class="row">
                      <span class="grow">${this.nameOf(id)}</span>
                      <button class="secondary" data-id=${id} aria-label=${t.moveUp(this.nameOf(id))} ?disabled=${i === 0} @click=${() => this.move(i, -1)}>↑</button>
                      <button class="secondary" data-id=${id} aria-label=${t.moveDown(this.nameOf(id))} ?disabled=${i === this.chosen.length - 1} @click=${() => this.move(i, 1)}>↓</button>
                    </li>`,
                  )}
                </ol>
              </div>`
            : nothing}
          <div class="card">
            <div class="field">
              <label for="lang">${t.widgetLanguage}</label>
              <select id="lang" @change=${(e: Event) => (this.widgetLang = (e.target as HTMLSelectElement).value as 'en' | 'es')}>
                <option value="en" ?selected=${this.widgetLang === 'en'}>${t.english}</option>
                <option value="es" ?selected=${this.widgetLang === 'es'}>${t.spanish}</option>
              </select>
            </div>
            <div class="field">
              <label for="days">${t.days}</label>
              <span class="help" id="days-help">${t.daysHelp}</span>
              <input
                id="days"
                type="number"
                inputmode="numeric"
                min=${MIN_DAYS}
                max=${MAX_DAYS}
                .value=${String(this.days)}
                aria-describedby="days-help"
                aria-invalid=${daysValid ? 'false' : 'true'}
                @input=${(e: Event) => (this.days = Number((e.target as HTMLInputElement).value))}
              />
            </div>
            <div class="field">
              <label for="accent">${t.accent}</label>
              <span class="help" id="accent-help">${t.accentHelp}</span>
              <input id="accent" type="color" .value=${this.accent} aria-describedby="accent-help" @input=${(e: Event) => (this.accent = (e.target as HTMLInputElement).value)} />
              <code class="accent-value">${this.accent}</code>
              ${contrast < 4.5 ? html`<p class="warning">${t.accentLowContrast(contrast.toFixed(1))}</p>` : nothing}
            </div>
            <div class="field">
              <label for="page">${t.pageAddress}</label>
              <span class="help" id="page-help">${t.pageAddressHelp}</span>
              <input id="page" type="url" inputmode="url" spellcheck="false" placeholder="https://" aria-describedby="page-help page-check" .value=${this.pageAddress} @input=${(e: Event) => (this.pageAddress = (e.target as HTMLInputElement).value)} />
              <div id="page-check" aria-live="polite">${this.renderSiteCheck()}</div>
            </div>
          </div>
        </div>
        <div class="results">
          <div class="card">
            <h2 id="snippet-title">${t.snippet}</h2>
            ${this.chosen.length === 0 || !daysValid
              ? html`<p class="error">${this.chosen.length === 0 ? t.noneChosen : t.daysHelp}</p>`
              : html`<pre class="code" tabindex="0" aria-labelledby="snippet-title"><code>${this.snippet}</code></pre>
                  <button @click=${() => this.copySnippet()}>${t.copySnippet}</button>`}
          </div>
          <section class="card preview" aria-labelledby="preview-title">
            <h2 id="preview-title">${t.preview}</h2>
            <p class="help">${t.previewNote}</p>
            ${this.chosen.length > 0 && daysValid && this.widgetReady
              ? html`<thread-scheduling
                  location-ids=${this.chosen.join(',')}
                  lang=${this.widgetLang}
                  days=${this.days}
                  api-base="${this.origin}/console/preview"
                ></thread-scheduling>`
              : html`<p>${this.chosen.length === 0 ? t.noneChosen : t.loading}</p>`}
          </section>
        </div>
      </div>`;
  }
}
customElements.get('console-snippet') || customElements.define('console-snippet', ConsoleSnippet);
