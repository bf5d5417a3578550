import { LitElement, html } from 'lit';
import type { ConsoleLocation } from './api.js';
import styles from './console.styles.js';
import { announce, copyText } from './events.js';
import type { ConsoleTranslation } from './translations.js';

/** The practice's locations, each with its ID (and a button to copy it), address and time zone. */
export class ConsoleLocations extends LitElement {
  static override styles = styles;
  static override properties = { t: { attribute: false }, locations: { attribute: false } };
  declare t: ConsoleTranslation;
  declare locations: ConsoleLocation[];

  private async copy(location: ConsoleLocation): Promise<void> {
    announce(this, (await copyText(location.id)) ? this.t.copied(location.id) : this.t.copyFailed);
  }

  override render() {
    const t = this.t;
    if (this.locations.length === 0) return html`<p>${t.noLocations}</p>`;
    return html`<p class="intro">${t.locationsIntro}</p>
      <ul class="plain">
        ${this.locations.map((location) => {
          const address = [location.street_address, location.secondary_address, [location.city, location.state].filter(Boolean).join(', '), location.zip]
            .filter(Boolean)
            .join(' · ');
          return html`<li class="card">
            <h2>${location.name}</h2>
            <dl>
              <div class="row">
                <dt>${t.locationId}:</dt>
                <dd class="grow row">
                  <code>${location.id}</code>
                  <button class="secondary" aria-label=${t.copyId(location.name)} @click=${() => this.copy(location)}>${t.copy}</button>
                </dd>
              </div>
              <div class="row"><dt>${t.address}:</dt><dd class="grow">${address || '—'}</dd></div>
              <div class="row"><dt>${t.timeZone}:</dt><dd class="grow">${location.timezone}</dd></div>
            </dl>
          </li>`;
        })}
      </ul>`;
  }
}
customElements.get('console-locations') || customElements.define('console-locations', ConsoleLocations);
