// The page's own check of agents' actions: permissions, and where a navigate may go.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { permissionRefusal, navigationTarget, CONTROL_PERMISSIONS } = require('./control.js');
const { makeMapper } = require('./label.js');

const SID = 'abcd2345';
const HERE = `http://${SID}s-shop-test.proxy.localhost:8080/cart`;
const mapper = makeMapper(new URL(HERE));
const agent = (permissions) => ({ id: 'a1', name: 'Ann', color: '#e11d48', permissions });

test('every action of the protocol is known, with the permission its table names', () => {
  assert.deepEqual(CONTROL_PERMISSIONS, {
    pointer: null,
    highlight: 'allow_draw',
    draw: 'allow_draw',
    click: 'allow_click',
    scroll: 'allow_scroll',
    type: 'allow_type',
    navigate: 'allow_agent_redirect',
    console: 'allow_console',
  });
});

test('an action is allowed only by an explicit grant of its permission', () => {
  const all = agent({ allow_click: true, allow_type: true, allow_draw: true });
  assert.equal(permissionRefusal(all, 'click'), null);
  assert.equal(permissionRefusal(all, 'type'), null);
  assert.equal(permissionRefusal(all, 'highlight'), null);
  assert.equal(permissionRefusal(all, 'draw'), null);
  for (const action of ['scroll', 'navigate', 'console']) {
    assert.equal(permissionRefusal(all, action), 'not_permitted', action);
  }
  assert.equal(permissionRefusal(agent({ allow_click: 'yes' }), 'click'), 'not_permitted');
  assert.equal(permissionRefusal(agent({ allow_click: false }), 'click'), 'not_permitted');
  assert.equal(permissionRefusal(agent(undefined), 'click'), 'not_permitted');
  assert.equal(permissionRefusal(agent({ allow_console: true }), 'console'), null);
});

test('pointing needs no permission; unknown agents and actions are refused', () => {
  assert.equal(permissionRefusal(agent({}), 'pointer'), null);
  assert.equal(permissionRefusal(undefined, 'pointer'), 'unknown_agent');
  assert.equal(permissionRefusal(agent({ allow_click: true }), 'confetti'), 'unknown_action');
  // Not an action although every object has it.
  assert.equal(permissionRefusal(agent({ allow_click: true }), 'toString'), 'unknown_action');
  assert.equal(permissionRefusal(agent({ allow_click: true }), '__proto__'), 'unknown_action');
});

test('a navigate to a real URL goes to its label in this session', () => {
  assert.equal(
    navigationTarget(mapper, 'https://shop.test/orders?id=7#top'),
    `http://${SID}s-shop-test.proxy.localhost:8080/orders?id=7#top`,
  );
  assert.equal(
    navigationTarget(mapper, 'http://api.shop.test:8081/x'),
    `http://${SID}h8081-api-shop-test.proxy.localhost:8080/x`,
  );
});

test('a navigate to this session own address stays; the fallback goes through the page label', () => {
  const own = `http://${SID}s-cdn-test.proxy.localhost:8080/a`;
  assert.equal(navigationTarget(mapper, own), own);
  const long = 'https://' + 'a'.repeat(60) + '.test/p';
  assert.equal(
    navigationTarget(mapper, long),
    `http://${SID}s-shop-test.proxy.localhost:8080/__tandem/to?url=` + encodeURIComponent(long),
  );
});

test('a navigate never leaves the session', () => {
  for (const url of [
    'javascript:alert(1)',
    'data:text/html,hi',
    'file:///etc/passwd',
    'not a url',
    undefined,
    // Another session's label, and the zone itself.
    'http://zzzz2345s-shop-test.proxy.localhost:8080/',
    'http://proxy.localhost:8080/',
    // The right label on another port is not this session's.
    `http://${SID}s-shop-test.proxy.localhost:9090/`,
  ]) {
    assert.equal(navigationTarget(mapper, url), null, String(url));
  }
});
