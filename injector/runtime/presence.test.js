// Which window of a session holds the presence socket.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { isSessionTop } = require('./presence.js');

const ZONE = 'proxy.localhost';
const framed = (...ancestors) => {
  const win = { location: { ancestorOrigins: ancestors } };
  win.parent = {};
  return win;
};

test('the browser top window is the session top', () => {
  const win = { location: {} };
  win.parent = win;
  assert.equal(isSessionTop(win, ZONE), true);
});

test('a page framed by a site outside the zone is the session top', () => {
  assert.equal(isSessionTop(framed('https://support.example.com'), ZONE), true);
});

test('frames of session pages are not, even when the session is framed itself', () => {
  assert.equal(isSessionTop(framed('http://abcd2345h-shop-test.proxy.localhost:8080'), ZONE), false);
  assert.equal(
    isSessionTop(framed('http://abcd2345h-shop-test.proxy.localhost:8080', 'https://support.example.com'), ZONE),
    false,
  );
});

test('a framed page that cannot see its ancestors stays silent', () => {
  assert.equal(isSessionTop(framed(), ZONE), false);
  const win = { location: {} };
  win.parent = {};
  assert.equal(isSessionTop(win, ZONE), false);
});
