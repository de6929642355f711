// Where the visitor's panel may speak, and what it shows after each message from Tandem.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { panelEmbedding, panelShows } = require('./panel.js');
const { panelSize } = require('../runtime/panel.js');

const HERE = new URL('http://tandem.proxy.localhost:8080/');
const LABEL = 'http://abcd2345h-shop-test.proxy.localhost:8080';

test('in a top page of a session, the panel speaks for that session', () => {
  assert.deepEqual(panelEmbedding(HERE, [LABEL]), { parentOrigin: LABEL, session: 'abcd2345' });
  // A proxy URL framed by the integrator's page is a session's top page too.
  assert.deepEqual(panelEmbedding(HERE, [LABEL, 'https://support.example.com']), {
    parentOrigin: LABEL,
    session: 'abcd2345',
  });
});

test('in a frame of a page, or anywhere else, the panel stays silent', () => {
  const cases = [
    [],
    // A frame of a session page (another label, or one the page made) claims no tab.
    [LABEL, 'http://abcd2345h-app-test.proxy.localhost:8080'],
    [LABEL, 'https://support.example.com', 'http://abcd2345h-app-test.proxy.localhost:8080'],
    // Framed directly by a site outside the zone, by another panel, or by an opaque page.
    ['https://evil.example.com'],
    ['http://tandem.proxy.localhost:8080'],
    ['null'],
    // The zone's own name, another port or scheme, a look-alike zone.
    ['http://proxy.localhost:8080'],
    ['http://abcd2345h-shop-test.proxy.localhost:9090'],
    ['https://abcd2345h-shop-test.proxy.localhost:8080'],
    ['http://abcd2345h-shop-test.evilproxy.localhost:8080'],
    ['http://ABCD2345.proxy.localhost:8080'],
  ];
  for (const ancestors of cases) assert.equal(panelEmbedding(HERE, ancestors), null, JSON.stringify(ancestors));
});

test('the panel shows what the session says, as the page runtime hears it', () => {
  const hello = (fields) => ({ type: 'hello', in_session: true, capture: false, ask_consent: false, ...fields });
  assert.equal(panelShows(null, { type: 'hello', in_session: false }), null);
  assert.equal(panelShows(null, hello({ capture: true })), 'sharing');
  assert.equal(panelShows(null, hello({ ask_consent: true })), 'ask');
  assert.equal(panelShows(null, hello({ consent: 'declined' })), null);
  assert.equal(panelShows('ask', { type: 'capture', on: true }), 'sharing');
  assert.equal(panelShows('ask', { type: 'capture', on: false }), null);
  assert.equal(panelShows(null, { type: 'capture', on: true }), null, 'not watched: nothing to show');
  assert.equal(panelShows('sharing', { type: 'session', state: 'ended' }), null);
  assert.equal(panelShows(null, { type: 'session', state: 'started', ask_consent: true }), 'ask');
  assert.equal(panelShows('sharing', { type: 'agents', agents: [] }), 'sharing');
});

test('the frame takes only sizes the panel may ask for', () => {
  assert.deepEqual(panelSize([120.5, 40]), [120.5, 40]);
  assert.deepEqual(panelSize([100000, -5]), [400, 0]);
  for (const bad of [null, [1], [1, 2, 3], ['1', 2], [NaN, 2], [Infinity, 2], 'x']) assert.equal(panelSize(bad), null);
});
