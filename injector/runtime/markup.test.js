// Markup and CSS the runtime maps before the browser parses them (html.js, css.js): only
// URLs in URL attributes, `style` and `url()`/`@import` change; every other character
// stays as the page wrote it. Run with `node --test` in injector/.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { makeMapper } = require('./label.js');
const dom = require('./dom.js');

// In the page the runtime's parts share one scope: here their helpers are globals.
Object.assign(globalThis, dom);
const { mapCss } = require('./css.js');
globalThis.mapCss = mapCss;
const { mapMarkup, withRuntime } = require('./html.js');

const SID = 'abcd2345';
const { mapUrl } = makeMapper(new URL(`http://${SID}s-shop-test.proxy.localhost:8080/`));
const api = `http://${SID}s-api-test.proxy.localhost:8080`;

test('URL attributes of start tags are mapped, the rest of the markup kept', () => {
  for (const [markup, expected] of [
    ['<img src="https://api.test/a" alt=\'x>y\'>', `<img src="${api}/a" alt='x>y'>`],
    ['<IMG SRC=https://api.test/b class=c>', `<IMG SRC=${api}/b class=c>`],
    ["<img srcset='https://api.test/c 1x, /d 2x'>", `<img srcset='${api}/c 1x, /d 2x'>`],
    ['<a\nhref = "//api.test/z">', `<a\nhref = "${api}/z">`],
    ['<div', '<div'],
    ['<img src="https://api.test/s', '<img src="https://api.test/s'],
    ['<div style="background:url(&quot;https://api.test/i&quot;)">', `<div style="background:url(&quot;${api}/i&quot;)">`],
    ['<form action="https://api.test/f"><button formaction="https://api.test/g">', `<form action="${api}/f"><button formaction="${api}/g">`],
  ]) {
    assert.equal(mapMarkup(mapUrl, markup), expected, markup);
  }
  for (const kept of [
    '<p title="src=https://api.test/x">a &amp; b</p>',
    '<div data="https://api.test/x">',
    '<img src="/relative">',
    'text with https://api.test/ in it',
    '<script>if (a<b) x = "<img src=/x>";</script>',
  ]) {
    assert.equal(mapMarkup(mapUrl, kept), kept, kept);
  }
  // Nothing to map: the very same value, whatever its type.
  const trusted = { toString: () => '<b>hi</b>' };
  assert.equal(mapMarkup(mapUrl, trusted), trusted);
});

test('url() and @import URLs in CSS are mapped, the rest kept', () => {
  assert.equal(
    mapCss(mapUrl, 'a{background:url(https://api.test/a) , url("//api.test/b")} @import \'https://api.test/c.css\';'),
    `a{background:url(${api}/a) , url("${api}/b")} @import '${api}/c.css';`,
  );
  assert.equal(mapCss(mapUrl, "url( 'https://api.test/a)b' )"), `url( '${api}/a)b' )`);
  assert.equal(mapCss(mapUrl, 'b{background:url(/rel)} c > d {}'), 'b{background:url(/rel)} c > d {}');
  assert.equal(mapCss(mapUrl, null), null);
  assert.equal(
    mapCss(mapUrl, 'a{background-image:-webkit-image-set("https://api.test/1x.png" 1x, url(https://api.test/2x.png) 2x)}'),
    `a{background-image:-webkit-image-set("${api}/1x.png" 1x, url(${api}/2x.png) 2x)}`,
  );
  assert.equal(
    mapCss(mapUrl, `b{background:image-set('https://api.test/a.avif' type("image/avif") 1x)}`),
    `b{background:image-set('${api}/a.avif' type("image/avif") 1x)}`,
  );
  // Strings elsewhere are text, not URLs.
  assert.equal(mapCss(mapUrl, 'p::after{content:"https://api.test/"}'), 'p::after{content:"https://api.test/"}');
});

test('a srcdoc document loads the runtime first, after its doctype, once', () => {
  const tag = '<script src="/__tandem/runtime.js"></script>';
  assert.equal(withRuntime('<p>hi</p>'), tag + '<p>hi</p>');
  assert.equal(withRuntime('<!DOCTYPE html><p>hi</p>'), '<!DOCTYPE html>' + tag + '<p>hi</p>');
  assert.equal(withRuntime(' <!doctype html>'), ' <!doctype html>' + tag);
  assert.equal(withRuntime(tag + '<p>hi</p>'), tag + '<p>hi</p>');
});
