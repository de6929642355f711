// The runtime's label encoder and URL mapper against the server's: the shared vectors
// (written by the Rust encoder) and the cases of src/rewrite/url.rs's tests.
// Run with `node --test` in injector/ (the integration tests do).
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { encodeLabel, decodeLabel, originOf, makeMapper } = require('./label.js');

const vectors = JSON.parse(fs.readFileSync(path.join(__dirname, '../../fixtures/label-vectors.json'), 'utf8'));

test('labels match the server encoder on every shared vector', () => {
  assert.ok(vectors.vectors.length > 20);
  for (const { url, label } of vectors.vectors) {
    const origin = originOf(new URL(url));
    assert.ok(origin, url);
    assert.equal(encodeLabel(vectors.session, origin), label, url);
    if (label !== null) assert.deepEqual(decodeLabel(label), { session: vectors.session, origin }, label);
  }
});

test('non-canonical labels do not decode', () => {
  for (const label of [
    'abcd2345h080-a-test',
    'abcd2345h80-a-test',
    'abcd2345s443-a-test',
    'abcd2345h-a---b',
    'abcd2345h--a',
    'abcd2345q-a-test',
    'ABCD2345h-a-test',
    'abcd234h-a-test',
    'abcd2345h70000-a-test',
    'abcd2345x-abcdefghijklmnopqrst',
    '',
  ]) {
    assert.equal(decodeLabel(label), null, label);
  }
});

const page = (href) => makeMapper(new URL(href));
const SID = 'abcd2345';
const HERE = `http://${SID}s-shop-test.proxy.localhost:8080/a/b.html`;

test('absolute web URLs map to their label, the rest kept as written', () => {
  const { mapUrl } = page(HERE);
  const cases = [
    ['https://cdn.test/x.js?a=1#f', `http://${SID}s-cdn-test.proxy.localhost:8080/x.js?a=1#f`],
    [' //cdn.test/x.js ', `http://${SID}s-cdn-test.proxy.localhost:8080/x.js`],
    ['wss://shop.test:8443/ws', `ws://${SID}s8443-shop-test.proxy.localhost:8080/ws`],
    ['HTTP://Shop.Test/', `http://${SID}h-shop-test.proxy.localhost:8080/`],
    ['https://shop.test', `http://${SID}s-shop-test.proxy.localhost:8080`],
    ['https://a.test/п?q=т%zz', `http://${SID}s-a-test.proxy.localhost:8080/п?q=т%zz`],
    ['https:///b.test/x', `http://${SID}s-b-test.proxy.localhost:8080/x`],
    ['https://user:pw@a.test:8443/x', `http://${SID}s8443-a-test.proxy.localhost:8080/x`],
    [new URL('https://api.test/data?x=1'), `http://${SID}s-api-test.proxy.localhost:8080/data?x=1`],
  ];
  for (const [raw, expected] of cases) assert.equal(mapUrl(raw), expected, String(raw));
  for (const kept of [
    '/root',
    'rel/x',
    '../up',
    '#frag',
    '',
    'data:text/plain,hi',
    'blob:https://shop.test/1',
    'javascript:void(0)',
    'mailto:a@b.c',
    'tel:1',
    'about:blank',
    'ftp://x/',
    'http:rel',
    // Already inside the zone: the page built it from its own location.
    `http://${SID}s-shop-test.proxy.localhost:8080/x`,
    'http://proxy.localhost:8080/',
  ]) {
    assert.equal(mapUrl(kept), null, kept);
  }
  // No direct label: only the server knows the fallback, /__tandem/to redirects there.
  const to = `http://${SID}s-shop-test.proxy.localhost:8080/__tandem/to?url=`;
  assert.equal(mapUrl('http://[::1]:8080/'), to + encodeURIComponent('http://[::1]:8080/'));
  assert.equal(mapUrl('http://under_score.test/a?b=1'), to + encodeURIComponent('http://under_score.test/a?b=1'));
  // A WebSocket follows no redirect: the server connects it from /__tandem/ws.
  const ws = `ws://${SID}s-shop-test.proxy.localhost:8080/__tandem/ws?url=`;
  assert.equal(mapUrl('wss://under_score.test/s?x=1'), ws + encodeURIComponent('wss://under_score.test/s?x=1'));
});

test('the context comes from the location', () => {
  const m = page(HERE);
  assert.equal(m.session, SID);
  assert.equal(m.zone, 'proxy.localhost');
  assert.deepEqual(m.here, { secure: true, host: 'shop.test', port: '' });
  assert.equal(m.mapOrigin('https://api.test'), `http://${SID}s-api-test.proxy.localhost:8080`);
  // And back: a label of this session reads as its real origin; anything else is null.
  assert.equal(m.realOrigin(`http://${SID}s-api-test.proxy.localhost:8080`), 'https://api.test');
  assert.equal(m.realOrigin(`http://${SID}h8000-api-test.proxy.localhost:8080`), 'http://api.test:8000');
  assert.equal(m.realOrigin('http://aaaaaaaas-api-test.proxy.localhost:8080'.replace('aaaaaaaa', 'bbbbbbbb')), null);
  assert.equal(m.realOrigin('https://api.test'), null);
  assert.equal(m.realOrigin('null'), null);
  // Behind an https zone on the default port, websockets become wss.
  const secure = page(`https://${SID}h9001-shop-test.proxy.example.com/`);
  assert.equal(secure.mapUrl('ws://shop.test:9001/ws'), `wss://${SID}h9001-shop-test.proxy.example.com/ws`);
  // Scheme-relative URLs take the real page's scheme, not the zone's.
  assert.equal(secure.mapUrl('//cdn.test/a'), `https://${SID}h-cdn-test.proxy.example.com/a`);
});

test('srcset candidates are mapped one by one', () => {
  const { mapSrcset } = require('./dom.js');
  const { mapUrl } = page(HERE);
  const cdn = `http://${SID}s-cdn-test.proxy.localhost:8080`;
  assert.equal(
    mapSrcset(mapUrl, 'https://cdn.test/a.png 1x, /b.png 2x,https://cdn.test/c,d.png 640w'),
    `${cdn}/a.png 1x, /b.png 2x,${cdn}/c,d.png 640w`,
  );
  assert.equal(mapSrcset(mapUrl, ' https://cdn.test/a.png,  https://cdn.test/b.png '), ` ${cdn}/a.png,  ${cdn}/b.png `);
  assert.equal(mapSrcset(mapUrl, ''), '');
  assert.equal(mapSrcset(mapUrl, 'x.png (max-width: 1px, 2px) 1x'), 'x.png (max-width: 1px, 2px) 1x');
});
