// Offsets from the per-zone table of changes (server/domain/time.ts) against Intl itself, across zones,
// years and the seconds around each daylight-saving change.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { intlZoneOffset, offsetRange, zoneOffset } from '../server/domain/time.js';

const ZONES = ['America/Chicago', 'America/Denver', 'America/Phoenix', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kolkata', 'America/St_Johns', 'Pacific/Chatham', 'America/Santiago', 'UTC', 'Africa/Casablanca'];

test('zoneOffset answers as Intl does, at random instants from 2000 to 2036', () => {
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const from = Date.UTC(2000, 0, 1);
  const to = Date.UTC(2036, 0, 1);
  for (let i = 0; i < 5_000; i += 1) {
    const zone = ZONES[i % ZONES.length];
    const ms = Math.floor(from + random() * (to - from));
    assert.equal(zoneOffset(ms, zone), intlZoneOffset(ms, zone), `${zone} at ${new Date(ms).toISOString()}`);
  }
});

test('zoneOffset is exact to the millisecond around each change of 2026 and 2027', () => {
  for (const zone of ZONES) {
    const DAY = 86_400_000;
    for (let day = Date.UTC(2026, 0, 1); day < Date.UTC(2028, 0, 1); day += DAY) {
      const before = intlZoneOffset(day, zone);
      if (before === intlZoneOffset(day + DAY, zone)) continue;
      // A change within this day: find its second, then check the seconds near it and the milliseconds beside each.
      let [lo, hi] = [day / 1000, (day + DAY) / 1000];
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (intlZoneOffset(mid * 1000, zone) === before) lo = mid;
        else hi = mid;
      }
      for (let s = hi * 1000 - 120_000; s <= hi * 1000 + 60_000; s += 1000) {
        for (const ms of [s - 1, s, s + 1]) assert.equal(zoneOffset(ms, zone), intlZoneOffset(ms, zone), `${zone} at ${ms}`);
      }
    }
  }
});

test('offsetRange is the least and greatest offset Intl gives over the span, across the tables\' edges', () => {
  const HOUR = 3_600_000;
  for (const zone of ZONES) {
    for (const [from, to] of [
      [Date.UTC(2031, 0, 1), Date.UTC(2032, 1, 1)],
      [Date.UTC(2031, 0, 10), Date.UTC(2031, 1, 10)],
      [Date.UTC(2026, 5, 1), Date.UTC(2029, 5, 1)],
    ]) {
      let min = Infinity;
      let max = -Infinity;
      for (let t = from; t < to; t += HOUR) {
        const offset = intlZoneOffset(t, zone);
        min = Math.min(min, offset);
        max = Math.max(max, offset);
      }
      assert.deepEqual(offsetRange(from, to, zone), { min, max }, `${zone} from ${new Date(from).toISOString()}`);
    }
  }
});
