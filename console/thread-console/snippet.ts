// The embed snippet as the builder writes it, and the checks it shows beside it. Pure functions.

export const DEFAULT_ACCENT = '#1d4ed8';
export const DEFAULT_DAYS = 14;
export const MIN_DAYS = 1;
export const MAX_DAYS = 60;

export interface SnippetChoice {
  /** Where widget.js is served: this server. */
  origin: string;
  locationIds: readonly string[];
  lang: 'en' | 'es';
  days: number;
  accent: string;
}

const attribute = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;');

/** The exact HTML to paste: only attributes that differ from the widget's defaults. */
export function snippetOf(choice: SnippetChoice): string {
  const attributes = [`location-ids="${attribute(choice.locationIds.join(','))}"`];
  if (choice.lang !== 'en') attributes.push(`lang="${choice.lang}"`);
  if (choice.days !== DEFAULT_DAYS) attributes.push(`days="${choice.days}"`);
  if (choice.accent.toLowerCase() !== DEFAULT_ACCENT) attributes.push(`style="--thread-accent: ${attribute(choice.accent)}"`);
  return `<script type="module" src="${attribute(choice.origin)}/widget.js"></script>\n<thread-scheduling ${attributes.join(' ')}></thread-scheduling>`;
}

/** The origin (scheme://host[:port]) of a page's address, as a browser sends it; undefined when it is not a web address. */
export function originOf(address: string): string | undefined {
  const text = address.trim();
  if (!text) return undefined;
  try {
    const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

function luminance(hex: string): number {
  const channels = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  const [r, g, b] = channels.map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** The WCAG contrast ratio of white text on a #rrggbb colour. */
export function contrastWithWhite(hex: string): number {
  return 1.05 / (luminance(hex) + 0.05);
}
