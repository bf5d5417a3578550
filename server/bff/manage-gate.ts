// Who may use a manage link: this server's own manage page (PUBLIC_URL/manage, same origin, no site needed)
// or a site registered for a practice, whose widget opened the link on the practice's own page.
import type { Context, Next } from 'koa';
import type { Store } from '../db/store.js';
import { allowReading, siteGate, type BffState, type Site } from './sites.js';

export interface ManageState {
  /** The registered site asking; undefined for this server's own page. */
  site: Site | undefined;
}

export function manageGate(store: Store, publicUrl: string) {
  const ownOrigin = new URL(publicUrl).origin;
  const sites = siteGate(store, publicUrl);
  return async (ctx: Context, next: Next) => {
    const origin = ctx.get('origin');
    // A preflight comes only from another origin's page: it is a registered site's to pass, as everywhere.
    // The console's live preview stands for its practice's site: its practice's appointments only.
    if (ctx.method === 'OPTIONS' || (ctx.state as BffState).previewSite || (origin && origin !== ownOrigin)) return sites(ctx, next);
    ctx.vary('Origin');
    ctx.set('Cache-Control', 'no-store');
    allowReading(ctx);
    (ctx.state as ManageState).site = undefined;
    await next();
  };
}
