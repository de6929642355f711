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

test('a masked element keeps only layout attributes as written; CSS loses its words and images', () => {
  const attributes = {
    class: 'card no-upscope', id: 'c1', type: 'text', width: '40', rr_width: '40px', rr_scrollTop: 12,
    title: 'Jane Doe', 'aria-label': 'IBAN', alt: 'photo of Jane', placeholder: 'DE12…', 'data-user': '42',
    href: '/u/jane', src: '/jane.png', srcset: '/jane.png 2x', action: '/pay', value: 'secret', label: 'Jane',
    checked: true, selected: true, rr_dataURL: 'data:image/png;base64,AAAA', rr_mediaCurrentTime: 3,
    style: "width: 10px; --who: 'Jane'; background: url(/jane.png) /* Jane */",
    onclick: "reveal('Jane')",
  };
  const node = element(1, 'div', attributes);
  captureScrub([{ type: 2, data: { node } }], ruleOf(new Set([1])));
  assert.deepEqual(node.attributes, {
    class: 'card no-upscope', id: 'c1', type: 'text', width: '40', rr_width: '40px', rr_scrollTop: 12,
    title: '********', 'aria-label': '****', alt: '*************', placeholder: '*****', 'data-user': '**',
    value: '******', label: '****', style: "width: 10px; --who: '****'; background: url() /********/",
    onclick: '**************',
  });
  assert.equal(captureMaskCss('p::after{content:"a\\"b"}'), 'p::after{content:"****"}');
  assert.equal(captureMaskAttribute('style', { color: 'red', content: ['"x"', 'important'], gone: false }).content[0], '"*"');
});

test('later attribute changes of a masked element are masked, dropped ones sent as removed', () => {
  const mutation = {
    type: 3,
    data: {
      source: 0, adds: [], texts: [], removes: [],
      attributes: [
        { id: 5, attributes: { title: 'Jane', href: '/u/jane', class: 'x', value: null } },
        { id: 6, attributes: { title: 'Public' } },
      ],
    },
  };
  captureScrub([mutation], ruleOf(new Set([5])));
  assert.deepEqual(mutation.data.attributes, [
    { id: 5, attributes: { title: '****', href: null, class: 'x', value: null } },
    { id: 6, attributes: { title: 'Public' } },
  ]);
});

test('events about nodes the recording does not know, or about masked media, are not sent', () => {
  const rule = ruleOf(new Set([7]));
  const events = [
    { type: 3, data: { source: 5, id: -1, text: 'in a closed root', isChecked: false } },
    { type: 3, data: { source: 5, id: 7, text: '', isChecked: true } },
    { type: 3, data: { source: 7, id: 7, type: 0, currentTime: 3 } },
    { type: 3, data: { source: 7, id: 8, type: 0, currentTime: 3 } },
    { type: 3, data: { source: 11, payload: ['console text'] } },
    { type: 3, data: { source: 99 } },
    { type: 5, data: { tag: 'custom', payload: {} } },
    { type: 3, data: { source: 1, positions: [] } },
  ];
  const sent = captureScrub(events, rule);
  assert.deepEqual(
    sent.map((e) => [e.type, e.data.source, e.data.id]),
    [[3, 5, 7], [3, 7, 8], [3, 1, undefined]],
  );
  assert.equal(sent[0].data.isChecked, false);
});

test('selections in masked text, and rules of masked stylesheets, are scrubbed', () => {
  const rule = ruleOf(new Set([3, 4]));
  const selection = { type: 3, data: { source: 14, ranges: [{ start: 3, startOffset: 0, end: 9, endOffset: 2 }, { start: 8, startOffset: 0, end: 9, endOffset: 1 }] } };
  const inserted = { type: 3, data: { source: 8, id: 4, adds: [{ rule: '.a::after{content:"PIN 1234"}', index: 0 }] } };
  const adopted = { type: 3, data: { source: 15, id: 3, styleIds: [21], styles: [{ styleId: 21, rules: [{ rule: 'b{content:"x"}', index: 0 }] }] } };
  const later = { type: 3, data: { source: 8, styleId: 21, replaceSync: 'i{content:"later"}' } };
  const declared = { type: 3, data: { source: 13, id: 4, index: [0], set: { property: 'content', value: '"y"' } } };
  const open = { type: 3, data: { source: 8, id: 9, adds: [{ rule: '.p::after{content:"public"}', index: 0 }] } };
  captureScrub([selection, inserted, adopted, later, declared, open], rule);
  assert.deepEqual(selection.data.ranges, [{ start: 8, startOffset: 0, end: 9, endOffset: 1 }]);
  assert.equal(inserted.data.adds[0].rule, '.a::after{content:"********"}');
  assert.equal(adopted.data.styles[0].rules[0].rule, 'b{content:"*"}');
  assert.equal(later.data.replaceSync, 'i{content:"*****"}');
  assert.equal(declared.data.set.value, '"*"');
  assert.equal(open.data.adds[0].rule, '.p::after{content:"public"}');
});

test('the addresses in every event hide the values of submitted masked fields', () => {
  mask.maskMemory().learnParams(['pw']);
  const meta = { type: 4, data: { href: 'http://x.test/in?q=1&pw=SECRET', width: 1, height: 1 } };
  const snapshot = {
    type: 2,
    data: { node: element(1, 'a', { href: 'http://x.test/in?q=1&pw=SECRET#top' }, [{ type: 3, id: 2, textContent: 'see ?pw=SECRET' }]) },
  };
  captureScrub([meta, snapshot], ruleOf(new Set()));
  assert.equal(meta.data.href, 'http://x.test/in?q=1&pw=******');
  assert.equal(snapshot.data.node.attributes.href, 'http://x.test/in?q=1&pw=******#top');
  assert.equal(snapshot.data.node.childNodes[0].textContent, 'see ?pw=******');
});
