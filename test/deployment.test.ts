// Settings an operator uses in production (CONTRACT section 6): THREAD_DEMO=off starts without the demo
// practice, and TRUST_PROXY=N takes the client's address from the N-th nearest X-Forwarded-For hop.
// Each runs the server as `npm start` does, in a real process.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { serverProcesses, startServerProcess, type ServerProcess } from './helpers/process.js';

const start = serverProcesses();

/** A failed client authentication at the token endpoint, as coming through a proxy that says `forwardedFor`. */
async function failedLogin(url: string, attempt: number, forwardedFor?: string): Promise<number> {
  const response = await fetch(`${url}/oauth2/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`nobody-${attempt}:wrong`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
      ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}),
    },
    body: 'grant_type=client_credentials',
  });
  await response.arrayBuffer();
  return response.status;
}

describe('THREAD_DEMO', () => {
  test('off: no demo practice, no site registered for it, no demo page; the BFF refuses its locations', async () => {
    const server = await start({ THREAD_DEMO: 'off' });
    assert.match(server.stderr(), /demo\s+off/);
    const page = await fetch(`${server.url}/`);
    assert.equal(page.status, 404);
    await page.arrayBuffer();
    // The public URL is not registered as a site: the widget there is told so, with the reason.
    const schedule = await fetch(`${server.url}/bff/v1/schedule?location_ids=dr556`);
    const body = (await schedule.json()) as { reason?: string };
    assert.equal(schedule.status, 403);
    assert.equal(body.reason, 'site_not_registered');
  });

  test('on (the default): the demo page is served and its widget finds the demo locations', async () => {
    const server = await start({});
    const page = await fetch(`${server.url}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /thread-scheduling/);
    const schedule = await fetch(`${server.url}/bff/v1/schedule?location_ids=dr556`);
    assert.equal(schedule.status, 200);
    await schedule.arrayBuffer();
  });

  test('a value other than on or off stops start-up naming THREAD_DEMO', async () => {
    await assert.rejects(startServerProcess({ THREAD_DEMO: 'no' }), /THREAD_DEMO must be on or off/);
  });
});

describe('TRUST_PROXY', () => {
  test('1: addresses are told apart by the nearest X-Forwarded-For hop, and a client cannot pick its own by prepending one', async () => {
    const server = await start({ TRUST_PROXY: '1', THREAD_DEMO: 'off' });
    // Ten failures from 203.0.113.5 (each with another client id, so only the address counts), with
    // a forged hop in front that the proxy would have passed along: that address is now throttled...
    for (let i = 0; i < 10; i += 1) assert.equal(await failedLogin(server.url, i, `10.9.9.${i}, 203.0.113.5`), 401);
    assert.equal(await failedLogin(server.url, 10, '198.51.100.1, 203.0.113.5'), 429);
    // ...and another address behind the same proxy is not.
    assert.equal(await failedLogin(server.url, 11, '203.0.113.6'), 401);
  });

  test('0 (the default): the header is ignored, so varying it does not escape the throttle', async () => {
    const server = await start({ THREAD_DEMO: 'off' });
    for (let i = 0; i < 10; i += 1) assert.equal(await failedLogin(server.url, i, `203.0.113.${i}`), 401);
    assert.equal(await failedLogin(server.url, 10, '203.0.113.200'), 429);
  });

  test('a bad value stops start-up naming TRUST_PROXY', async () => {
    await assert.rejects(startServerProcess({ TRUST_PROXY: 'yes' }), /TRUST_PROXY must be a whole number/);
  });
});
