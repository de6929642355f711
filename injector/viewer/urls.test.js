// The viewer's asset URL rewriting (urls.js). Run with `node --test` in injector/.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { makeAssetRewriter } = require('./urls.js');

test('label URLs in attributes and styles go through the asset endpoint, text stays', () => {
  const rewrite = makeAssetRewriter('http://proxy.localhost:8080', '/watch/s/w1/asset/');
  const event = {
    type: 2,
    data: {
      node: {
        attributes: {
          src: 'http://abc12345s-shop-test.proxy.localhost:8080/a.png?x=1',
          srcset: 'http://abc12345s-shop-test.proxy.localhost:8080/a.png 1x, //abc12345s-cdn-test.proxy.localhost:8080/b.png 2x',
          style: 'background: url("http://abc12345s-shop-test.proxy.localhost:8080/bg.png")',
          href: 'https://elsewhere.test/x',
          _cssText: '.a{background:url(http://ABC12345s-shop-test.proxy.localhost:8080/c.png)}',
        },
        childNodes: [
          { type: 3, textContent: 'see http://abc12345s-shop-test.proxy.localhost:8080/a.png' },
          { type: 3, isStyle: true, textContent: '.b{background:url(http://abc12345s-shop-test.proxy.localhost:8080/d.png)}' },
        ],
      },
    },
  };
  rewrite(event);
  const { attributes, childNodes } = event.data.node;
  assert.equal(attributes.src, '/watch/s/w1/asset/abc12345s-shop-test/a.png?x=1');
  assert.equal(attributes.srcset, '/watch/s/w1/asset/abc12345s-shop-test/a.png 1x, /watch/s/w1/asset/abc12345s-cdn-test/b.png 2x');
  assert.equal(attributes.style, 'background: url("/watch/s/w1/asset/abc12345s-shop-test/bg.png")');
  assert.equal(attributes.href, 'https://elsewhere.test/x');
  assert.equal(attributes._cssText, '.a{background:url(/watch/s/w1/asset/abc12345s-shop-test/c.png)}');
  assert.equal(childNodes[0].textContent, 'see http://abc12345s-shop-test.proxy.localhost:8080/a.png');
  assert.equal(childNodes[1].textContent, '.b{background:url(/watch/s/w1/asset/abc12345s-shop-test/d.png)}');
});

test('a host that only ends like the zone is left alone', () => {
  const rewrite = makeAssetRewriter('http://proxy.localhost:8080', '/a/');
  const event = { data: { attributes: { src: 'http://x.proxy.localhost:80801/a.png', href: 'http://x.proxy.localhost.evil.test/' } } };
  rewrite(event);
  assert.equal(event.data.attributes.src, 'http://x.proxy.localhost:80801/a.png');
  assert.equal(event.data.attributes.href, 'http://x.proxy.localhost.evil.test/');
});
