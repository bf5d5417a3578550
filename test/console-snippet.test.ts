// The embed builder's snippet and its checks (console/thread-console/snippet.ts), cell by cell.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contrastWithWhite, originOf, snippetOf } from '../console/thread-console/snippet.js';

test('the snippet names only what differs from the widget defaults, in the order chosen, attribute-escaped', () => {
  const base = { origin: 'https://thread.example', locationIds: ['b2rGH', 'dr556'], lang: 'en' as const, days: 14, accent: '#1d4ed8' };
  assert.equal(snippetOf(base), '<script type="module" src="https://thread.example/widget.js"></script>\n<thread-scheduling location-ids="b2rGH,dr556"></thread-scheduling>');
  assert.equal(
    snippetOf({ ...base, locationIds: ['dr556', 'b2rGH'], lang: 'es', days: 30, accent: '#0F5132' }),
    '<script type="module" src="https://thread.example/widget.js"></script>\n<thread-scheduling location-ids="dr556,b2rGH" lang="es" days="30" style="--thread-accent: #0F5132"></thread-scheduling>',
  );
  assert.match(snippetOf({ ...base, locationIds: ['a"b'] }), /location-ids="a&quot;b"/);
});

test("a page's address gives its origin as browsers send it; anything else is not one", () => {
  assert.equal(originOf('https://www.Example.com/book?x=1'), 'https://www.example.com');
  assert.equal(originOf('www.example.com/book'), 'https://www.example.com');
  assert.equal(originOf('http://127.0.0.1:8080/'), 'http://127.0.0.1:8080');
  assert.equal(originOf('https://example.com:443'), 'https://example.com');
  assert.equal(originOf(''), undefined);
  assert.equal(originOf('ftp://example.com'), undefined);
  assert.equal(originOf('https://'), undefined);
});

test("white text's contrast on the accent, as WCAG computes it", () => {
  assert.equal(contrastWithWhite('#000000').toFixed(1), '21.0');
  assert.equal(contrastWithWhite('#ffffff').toFixed(1), '1.0');
  assert.ok(contrastWithWhite('#1d4ed8') >= 4.5, 'the default passes');
  assert.ok(contrastWithWhite('#ffd700') < 4.5, 'gold does not');
});
