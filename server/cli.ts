// The admin CLI: `npm run -s thread -- <command>`. One JSON object on stdout on
// success; one line on stderr and exit 1 on failure.
import { parseArgs } from 'node:util';
import { checkSiteOrigin } from './bff/sites.js';
import { ID } from './http/assert.js';
import { ConfigError, loadConfig } from './config.js';
import { createConsoleData } from './db/console.js';
import { openStore } from './db/open-store.js';
import type { Store } from './db/store.js';
import { dataKeyCommands } from './keys-cli.js';
import { webhookCommands } from './webhooks-cli.js';
import { seedDemo } from './demo.js';
import { newId } from './domain/bookings.js';
import { isTimeZone, parseInstant } from './domain/time.js';
import { hashSecret, newSecret } from './oauth/secrets.js';
import { SCOPES } from './oauth/tokens.js';

class UsageError extends Error {}

type Options = Record<string, string | undefined>;

function required(options: Options, name: string): string {
  const value = options[name]?.trim();
  if (!value) throw new UsageError(`--${name} is required`);
  return value;
}

function optionalId(options: Options): string {
  const id = options.id?.trim();
  if (id === undefined) return newId();
  if (!ID.test(id)) throw new UsageError('--id must be 1 to 64 letters, digits, or . _ : -');
  return id;
}

async function practiceOf(store: Store, id: string): Promise<string> {
  if (!(await store.directory.practice(id))) throw new UsageError(`no practice "${id}"`);
  return id;
}

/** `https://host[:port]` exactly; plain http only for this machine (see checkSiteOrigin). */
function origin(text: string): string {
  try {
    return checkSiteOrigin(text);
  } catch (error) {
    throw new UsageError(`--origin: ${(error as Error).message}`);
  }
}

const commands: Record<string, (store: Store, options: Options) => Promise<object> | object> = {
  async 'practices create'(store, options) {
    const practice = { id: optionalId(options), name: required(options, 'name') };
    if (await store.directory.practice(practice.id)) throw new UsageError(`practice "${practice.id}" already exists`);
    await store.transaction((tx) => tx.directory.createPractice(practice, Date.now()));
    return practice;
  },

  async 'locations create'(store, options) {
    const timezone = required(options, 'timezone');
    if (!isTimeZone(timezone)) throw new UsageError(`--timezone "${timezone}" is not an IANA time zone such as America/Denver`);
    const location = {
      id: optionalId(options),
      practice_id: await practiceOf(store, required(options, 'practice')),
      name: required(options, 'name'),
      website: options.website ?? '',
      street_address: options['street-address'] ?? '',
      secondary_address: options['secondary-address'] ?? '',
      city: options.city ?? '',
      state: options.state ?? '',
      zip: options.zip ?? '',
      timezone,
    };
    if (location.website && !/^https?:\/\/\S+$/.test(location.website)) throw new UsageError('--website must be an http(s) URL');
    if (await store.directory.location(location.id)) throw new UsageError(`location "${location.id}" already exists`);
    await store.transaction((tx) => tx.directory.createLocation(location, Date.now()));
    return location;
  },

  async 'clients create'(store, options) {
    const name = required(options, 'name');
    const scopes = [...new Set(required(options, 'scopes').split(/[\s,]+/).filter(Boolean))];
    const unknown = scopes.find((s) => !(SCOPES as readonly string[]).includes(s));
    if (unknown) throw new UsageError(`unknown scope "${unknown}"; scopes are ${SCOPES.join(' ')}`);
    const practicesText = required(options, 'practices');
    const practices: '*' | string[] = [];
    if (practicesText !== '*') for (const p of practicesText.split(',')) practices.push(await practiceOf(store, p.trim()));
    const id = optionalId(options);
    if (await store.clients.get(id)) throw new UsageError(`client "${id}" already exists`);
    const secret = newSecret();
    const secretHash = await hashSecret(secret);
    const granted = practicesText === '*' ? ('*' as const) : practices;
    await store.transaction((tx) => tx.clients.create({ id, name, secretHash, scopes, practices: granted }, Date.now()));
    return { client_id: id, client_secret: secret, name, scopes: scopes.join(' '), practices: granted };
  },

  async 'clients revoke'(store, options) {
    const id = required(options, 'client');
    if (!(await store.clients.get(id))) throw new UsageError(`no client "${id}"`);
    await store.transaction((tx) => tx.clients.revoke(id, Date.now()));
    return { client_id: id, revoked: true };
  },

  async 'sites create'(store, options) {
    const site = { origin: origin(required(options, 'origin')), practice_id: await practiceOf(store, required(options, 'practice')) };
    const existing = await store.directory.site(site.origin);
    if (existing) throw new UsageError(`site ${site.origin} is already registered (practice "${existing.practice_id}")`);
    await store.transaction((tx) => tx.directory.createSite(site, Date.now()));
    return site;
  },

  // Who read which sign-ups of a practice, and who was refused (CONTRACT section 11), oldest first.
  async audit(store, options) {
    const practiceId = await practiceOf(store, required(options, 'practice'));
    let since: number | undefined;
    if (options.since !== undefined) {
      since = parseInstant(options.since.trim())?.ms;
      if (since === undefined) throw new UsageError(`--since "${options.since.slice(0, 64)}" is not an ISO 8601 date-time such as 2026-01-31T09:00:00Z`);
    }
    const events = (await store.audit.ofPractice(practiceId, since ?? -8.64e15)).map((event) => ({
      at: new Date(event.at).toISOString(),
      actor: { kind: event.actor_kind, id: event.actor_id },
      booking_id: event.booking_id,
      address: event.address,
      action: event.action,
      outcome: event.outcome,
    }));
    return { practice_id: practiceId, since: since === undefined ? null : new Date(since).toISOString(), events };
  },

  // A one-time sign-in link to the practice's console (CONTRACT section 9): the secret only in the
  // fragment, which browsers never send to a server or put in a Referer.
  async 'console-link'(store, options) {
    const practiceId = await practiceOf(store, required(options, 'practice'));
    const link = await store.transaction((tx) => createConsoleData(tx.sql).issueLink(practiceId, Date.now()));
    const { publicUrl } = loadConfig();
    return { url: `${publicUrl}/console#${link.secret}`, expires_at: new Date(link.expiresAt).toISOString(), link_id: link.id };
  },

  demo(store) {
    const config = loadConfig();
    return seedDemo(store, config);
  },

  ...dataKeyCommands(UsageError),
  ...webhookCommands(UsageError, () => loadConfig()),
};

async function run(argv: string[]): Promise<void> {
  const words = argv.filter((a) => !a.startsWith('--'));
  // A command is one word (`demo`, `audit`) or two (`clients create`).
  const name = Object.hasOwn(commands, words[0] ?? '') ? words[0] : words.slice(0, 2).join(' ');
  const command = commands[name];
  if (!command) {
    throw new UsageError(`${argv.length ? `unknown command "${argv.join(' ').slice(0, 80)}"` : 'no command'}; commands: ${Object.keys(commands).join(', ')}`);
  }
  const { values } = parseArgs({
    args: argv.slice(name.split(' ').length),
    strict: true,
    options: Object.fromEntries(
      ['name', 'id', 'practice', 'timezone', 'website', 'street-address', 'secondary-address', 'city', 'state', 'zip', 'scopes', 'practices', 'client', 'origin', 'since', 'url', 'events'].map(
        (o) => [o, { type: 'string' as const }],
      ),
    ),
  });
  // Files the CLI creates (the database, its key file) are the owner's alone.
  process.umask(0o077);
  const config = loadConfig();
  const store = await openStore(config);
  try {
    const result = await command(store, values as Options);
    process.stdout.write(JSON.stringify(result) + '\n');
  } finally {
    await store.close();
  }
}

run(process.argv.slice(2)).catch((error: unknown) => {
  const message = error instanceof UsageError || error instanceof ConfigError ? error.message : `failed: ${(error as Error).message}`;
  process.stderr.write(`thread: ${message.split('\n')[0]}\n`);
  process.exitCode = 1;
});
