import { LitElement, html, nothing } from 'lit';
import type { ConsoleApi, Site } from './api.js';
import styles from './console.styles.js';
import { announce } from './events.js';
import type { ConsoleTranslation } from './translations.js';

/**
 * The web sites the widget works on: add one (checked by the server exactly as `thread sites create`
 * checks it) or remove one.
 *
 * @event sites-changed - A site was added or removed.
 */
export class ConsoleSites extends LitElement {
  static override styles = styles;
  static override properties = {
    t: { attribute: false },
    api: { attribute: false },
    sites: { attribute: false },
    describe: { attribute: false },
    problem: { state: true },
    busy: { state: true },
  };
  declare t: ConsoleTranslation;
  declare api: ConsoleApi;
  declare sites: Site[];
  declare describe: (error: unknown) => string;
  declare private problem: string | undefined;
  declare private busy: boolean;

  private async add(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const input = this.renderRoot.querySelector<HTMLInputElement>('#origin')!;
    this.busy = true;
    try {
      const site = await this.api.addSite(input.value);
      this.problem = undefined;
      input.value = '';
      this.dispatchEvent(new CustomEvent('sites-changed'));
      announce(this, this.t.siteAdded(site.origin));
    } catch (error) {
      this.problem = this.t.siteRefused(this.describe(error));
      input.focus();
    } finally {
      this.busy = false;
    }
  }

  private async removeSite(origin: string): Promise<void> {
    try {
      await this.api.removeSite(origin);
      this.dispatchEvent(new CustomEvent('sites-changed'));
      announce(this, this.t.siteRemoved(origin));
      this.renderRoot.querySelector<HTMLInputElement>('#origin')?.focus();
    } catch (error) {
      announce(this, this.describe(error));
    }
  }

  override render() {
    const t = this.t;
    return html`<p class="intro">${t.sitesIntro}</p>
      <form class="card" novalidate @submit=${this.add}>
        <div class="field">
          <label for="origin">${t.siteOrigin}</label>
          <span class="help" id="origin-help">${t.siteOriginHelp}</span>
          <input
            id="origin"
            type="url"
            inputmode="url"
            autocomplete="url"
            spellcheck="false"
            aria-describedby="origin-help${this.problem ? ' origin-problem' : ''}"
            aria-invalid=${this.problem ? 'true' : 'false'}
          />
          ${this.problem ? html`<p id="origin-problem" class="error" role="alert">${this.problem}</p>` : nothing}
        </div>
        <button type="submit" ?disabled=${this.busy}>${t.addSite}</button>
      </form>
      ${this.sites.length === 0
        ? html`<p class="warning">${t.noSites}</p>`
        : html`<ul class="plain">
            ${this.sites.map(
              (site) => html`<li class="card row">
                <span class="grow"><code>${site.origin}</code> <span class="help">${t.registeredSince(new Date(site.created_at).toLocaleDateString(t.locale, { dateStyle: 'medium' }))}</span></span>
                <button class="danger" aria-label=${t.removeSite(site.origin)} @click=${() => this.removeSite(site.origin)}>${t.remove}</button>
              </li>`,
            )}
          </ul>`}`;
  }
}
customElements.get('console-sites') || customElements.define('console-sites', ConsoleSites);
