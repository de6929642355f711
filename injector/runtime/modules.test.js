// Import maps the page inserts by script (modules.js): mapped as the server maps those
// in its HTML (src/rewrite/importmap.rs). Run with `node --test` in injector/.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { makeMapper } = require('./label.js');
const { mapImportMap } = require('./modules.js');

const SID = 'abcd2345';
const { mapUrl } = makeMapper(new URL(`http://${SID}s-shop-test.proxy.localhost:8080/`));
const cdn = `http://${SID}s-cdn-test.proxy.localhost:8080`;
const own = `http://${SID}s-shop-test.proxy.localhost:8080`;

test('values, scope keys and integrity keys are mapped; URL specifier keys get a twin', () => {
  const map = {
    imports: { vue: 'https://cdn.test/vue.js', 'app/': '/app/', 'https://shop.test/lib/': 'https://cdn.test/lib/' },
    scopes: { 'https://cdn.test/lib/': { dep: 'https://cdn.test/dep.js' }, '/local/': { x: './x.js' } },
    integrity: { 'https://cdn.test/vue.js': 'sha384-abc' },
  };
  assert.deepEqual(JSON.parse(mapImportMap(mapUrl, JSON.stringify(map))), {
    imports: {
      vue: `${cdn}/vue.js`,
      'app/': '/app/',
      'https://shop.test/lib/': `${cdn}/lib/`,
      [`${own}/lib/`]: `${cdn}/lib/`,
    },
    scopes: { [`${cdn}/lib/`]: { dep: `${cdn}/dep.js` }, '/local/': { x: './x.js' } },
    integrity: { [`${cdn}/vue.js`]: 'sha384-abc' },
  });
});

test('maps without absolute URLs and text that is not a JSON object stay as they are', () => {
  for (const text of ['{"imports": {"a": "/a.js"}}', 'not json', '[1]', '{"imports": {"a": 1}}', '', 'null']) {
    assert.equal(mapImportMap(mapUrl, text), null, text);
  }
});
