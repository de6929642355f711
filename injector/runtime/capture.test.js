// The capture's pure parts: the block selector, scrubbing of rrweb events
// (capture_scrub.js), frame encoding.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const zlib = require('node:zlib');
// In the page the runtime's parts share one scope: here their helpers are globals.
const mask = require('./mask.js');
Object.assign(globalThis, mask);
const { captureBlockSelector, captureEncode, CAPTURE_GZIP_FROM } = require('./capture.js');
const { captureScrub, captureMaskText, captureMaskCss, captureMaskAttribute } = require('./capture_scrub.js');

/** A rule by mirror id: `masked` ids are masked, every id up to 1000 is known. */
const ruleOf = (masked, styles = []) => ({
  masked: (id) => masked.has(id),
  known: (id) => id > 0 && id < 1000,
  inStyle: (id) => styles.includes(id),
  maskedStyles: new Set(),
});

const gzip = async (bytes) => new Uint8Array(zlib.gzipSync(bytes));

test('media in or of a masked element are blocked', () => {
  const block = captureBlockSelector('.m');
  assert.match(block, /^:is\(img,[^)]*\):is\(\.m\), :is\(\.m\) :is\(img,/);
  for (const tag of ['img', 'canvas', 'video', 'iframe', 'svg']) assert.ok(block.includes(tag), tag);
});

test('placeholders have the length of the text', () => {
  assert.equal(mask.maskStars('s3cr3t'), '******');
  assert.equal(mask.maskStars(''), '');
  assert.equal(captureMaskText(' my pin\n'), ' ** ***\n');
});

test('scrubbing masks text and input values of masked nodes that rrweb let through', () => {
  const mutation = {
    type: 3,
    data: {
      source: 0,
      adds: [{ parentId: 2, node: { type: 3, id: 11, textContent: 'in shadow' } }],
      texts: [
        { id: 12, value: 'changed secret' },
        { id: 13, value: 'public' },
      ],
      attributes: [],
      removes: [],
    },
  };
  const style = { type: 3, data: { source: 0, adds: [{ parentId: 2, node: { type: 3, id: 14, isStyle: true, textContent: 'a{}' } }] } };
  const input = { type: 3, data: { source: 5, id: 15, text: 'typed', isChecked: false } };
  captureScrub([mutation, style, input], ruleOf(new Set([11, 12, 14, 15])));
  assert.equal(mutation.data.adds[0].node.textContent, '** ******');
  assert.deepEqual(mutation.data.texts, [
    { id: 12, value: '******* ******' },
    { id: 13, value: 'public' },
  ]);
  assert.equal(style.data.adds[0].node.textContent, 'a{}');
  assert.equal(input.data.text, '*****');
});

const element = (id, tagName, attributes, childNodes = []) => ({ type: 2, id, tagName, attributes, childNodes });

test('scrubbing hides the value attributes of masked fields and drops tandem elements', () => {
  const snapshot = {
    type: 2,
    data: {
      node: {
        type: 0,
        id: 1,
        childNodes: [
          element(2, 'html', {}, [
            element(3, 'input', { value: 'kept' }),
            element(4, 'input', { value: 'hidden!', checked: true }),
            element(5, 'select', {}, [element(6, 'option', { value: 'SECRET', selected: true })]),
            element(7, 'tandem-indicator', {}, [{ type: 3, id: 8, textContent: 'Support is viewing' }]),
          ]),
        ],
      },
    },
  };
  captureScrub([snapshot], ruleOf(new Set([4, 5, 6])));
  const html = snapshot.data.node.childNodes[0];
  assert.deepEqual(
    html.childNodes.map((n) => n.tagName),
    ['input', 'input', 'select'],
  );
  assert.deepEqual(html.childNodes[0].attributes, { value: 'kept' });
  assert.deepEqual(html.childNodes[1].attributes, { value: '*******' });
  assert.deepEqual(html.childNodes[2].childNodes[0].attributes, { value: '******' });
});

test('scrubbing applies to added nodes of mutations, and leaves other events alone', () => {
  const mutation = {
    type: 3,
    data: {
      source: 0,
      adds: [
        { parentId: 2, node: element(9, 'input', { value: 'TOKEN' }) },
        { parentId: 2, node: element(10, 'tandem-cursor', {}) },
      ],
      texts: [],
      attributes: [],
      removes: [],
    },
  };
  const mouse = { type: 3, data: { source: 1, positions: [{ x: 1, y: 2, id: 9, timeOffset: 0 }] } };
  captureScrub([mutation, mouse], ruleOf(new Set([9])));
  assert.deepEqual(
    mutation.data.adds.map((a) => a.node.attributes),
    [{ value: '*****' }],
  );
  assert.deepEqual(mouse.data.positions, [{ x: 1, y: 2, id: 9, timeOffset: 0 }]);
});

test('a small frame is the flag byte and the JSON of the events', async () => {
  const frame = await captureEncode([{ type: 4, data: { href: 'x' } }], 1, gzip);
  assert.equal(frame[0], 1);
  assert.deepEqual(JSON.parse(Buffer.from(frame.subarray(1)).toString()), [{ type: 4, data: { href: 'x' } }]);
});

test('a large frame is gzipped and says so in its flags', async () => {
  const events = [{ type: 3, data: { text: 'x'.repeat(CAPTURE_GZIP_FROM) } }];
  const frame = await captureEncode(events, 1, gzip);
  assert.equal(frame[0], 3);
  assert.deepEqual(JSON.parse(zlib.gunzipSync(frame.subarray(1)).toString()), events);
  const plain = await captureEncode(events, 0, null);
  assert.equal(plain[0], 0);
});
