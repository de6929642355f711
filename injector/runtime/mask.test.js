// The one masking rule of the visitor's page (capture and remote control both use it).
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { isMasked, maskSelector, maskSelectorOf, setMaskSelectors } = require('./mask.js');

// Just enough of the DOM: elements with a type, classes, an id and a parent (an element,
// a shadow root `{host}`, or nothing), and `closest` for lists of `tag`, `.class`, `#id`.
const DOCUMENT = { host: null };
function element(localName, { type, classes = [], id = null, parent = null } = {}) {
  const el = {
    nodeType: 1,
    localName,
    type: type === undefined ? (localName === 'input' ? 'text' : undefined) : type,
    hasAttribute: () => false,
    parentElement: parent && parent.nodeType === 1 ? parent : null,
    getRootNode: () => (parent && parent.nodeType === 1 ? parent.getRootNode() : parent || DOCUMENT),
    matches: (one) =>
      one.startsWith('.') ? classes.includes(one.slice(1)) : one.startsWith('#') ? id === one.slice(1) : one === localName,
    closest: (list) => {
      const selectors = list.split(',').map((s) => s.trim());
      for (let at = el; at; at = at.parentElement) if (selectors.some((s) => at.matches(s))) return at;
      return null;
    },
  };
  return el;
}
const text = (parent) => ({ nodeType: 3, parentElement: parent });
const doc = {
  createDocumentFragment: () => ({
    querySelector: (selector) => {
      if (/[[(]$/.test(selector)) throw new SyntaxError(selector);
      return null;
    },
  }),
};

test('password and hidden inputs are masked, other fields are not', () => {
  setMaskSelectors(doc, []);
  assert.equal(isMasked(element('input', { type: 'password' })), true);
  assert.equal(isMasked(element('input', { type: 'hidden' })), true);
  assert.equal(isMasked(element('input', { type: 'text' })), false);
  assert.equal(isMasked(element('input')), false);
  assert.equal(isMasked(element('textarea')), false);
});

test('a field that was once a password field stays masked', () => {
  const field = element('input', { type: 'password' });
  assert.equal(isMasked(field), true);
  field.type = 'text';
  assert.equal(isMasked(field), true);
});

test('anything inside no-upscope or tandem-mask is masked, also across shadow roots', () => {
  setMaskSelectors(doc, []);
  for (const name of ['no-upscope', 'tandem-mask']) {
    const box = element('div', { classes: [name] });
    const inner = element('span', { parent: element('p', { parent: box }) });
    assert.equal(isMasked(inner), true, name);
    assert.equal(isMasked(text(inner)), true, name);
    const shadow = { nodeType: 11, host: element('my-widget', { parent: box }) };
    assert.equal(isMasked(element('input', { parent: element('label', { parent: shadow }) })), true, name);
  }
  assert.equal(isMasked(element('span', { parent: element('div', { classes: ['upscope'] }) })), false);
});

test('the hello selectors mask; an invalid one masks the whole body rather than nothing', () => {
  setMaskSelectors(doc, ['.card-number', 42, '', '#ssn']);
  assert.equal(maskSelector(), '.no-upscope, .tandem-mask, .card-number, #ssn');
  assert.equal(isMasked(element('input', { classes: ['card-number'] })), true);
  assert.equal(isMasked(text(element('b', { parent: element('td', { id: 'ssn' }) }))), true);
  assert.equal(isMasked(element('input', { classes: ['name'] })), false);
  setMaskSelectors(doc, ['bad[']);
  assert.equal(maskSelector(), '.no-upscope, .tandem-mask, body');
  assert.equal(isMasked(element('input', { parent: element('body') })), true);
  setMaskSelectors(doc, undefined);
  assert.equal(isMasked(element('input', { classes: ['card-number'] })), false);
  assert.equal(maskSelectorOf(['a', 'b'], (s) => s === 'a'), '.no-upscope, .tandem-mask, a, body');
});

test('nothing, or a node without an element, is not masked', () => {
  assert.equal(isMasked(null), false);
  assert.equal(isMasked(text(null)), false);
});

test('text right in a shadow root is masked with its host, and a frame document with its frame', () => {
  setMaskSelectors(doc, []);
  const host = element('div', { classes: ['no-upscope'] });
  const shadowText = { nodeType: 3, parentElement: null, getRootNode: () => ({ nodeType: 11, host }) };
  assert.equal(isMasked(shadowText), true);
  const frame = element('iframe', { parent: element('div', { classes: ['tandem-mask'] }) });
  const frameDocument = { nodeType: 9, host: undefined, defaultView: { frameElement: frame } };
  const inFrame = element('input', { parent: frameDocument });
  assert.equal(isMasked(inFrame), true);
  const plainFrameDocument = { nodeType: 9, defaultView: { frameElement: element('iframe') } };
  assert.equal(isMasked(element('input', { parent: plainFrameDocument })), false);
});

test('addresses keep every value but those of masked fields a form submitted', () => {
  const { maskUrl, maskMemory } = require('./mask.js');
  const plain = 'http://x.test/a?pw=SECRET&q=1#f';
  assert.equal(maskUrl(plain), plain, 'nothing is masked before a form named a field');
  const told = [];
  maskMemory().onParams((names) => told.push(names));
  maskMemory().learnParams(['pw', 'pw', '', 42, 'pin code']);
  maskMemory().learnParams(['token'], true);
  assert.deepEqual(told, [['pw', 'pin code']], 'new names are told once; quiet ones never');
  assert.equal(maskUrl(plain), 'http://x.test/a?pw=******&q=1#f');
  // Names and values as forms encode them; fragments; URLs inside CSS and markup.
  assert.equal(maskUrl('/s?q=a+b&p%77=s%40cret&pin+code=1+2'), '/s?q=a+b&p%77=******&pin+code=***');
  assert.equal(maskUrl('/s#/done?pw=HASHED'), '/s#/done?pw=******');
  assert.equal(maskUrl('background:url("/i.png?token=ab;cd")'), 'background:url("/i.png?token=**;cd")');
  assert.equal(maskUrl('<a href="?x=1&amp;pw=ab">'), '<a href="?x=1&amp;pw=**">');
  assert.equal(maskUrl('/s?password=kept&apw=kept'), '/s?password=kept&apw=kept');
  assert.equal(maskUrl(null), null);
});

test('past the bound on names, every value of every address is masked', () => {
  const { maskUrl, maskMemory } = require('./mask.js');
  maskMemory().learnParams(['x'.repeat(1000)]);
  assert.equal(maskUrl('/s?q=public&r=2'), '/s?q=******&r=*');
});
