// The one masking rule of the visitor's page (capture and remote control both use it).
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { isMasked, setMaskSelectors } = require('./mask.js');

// Just enough of the DOM: elements with attributes, classes, a parent, and a `matches`
// that knows simple selectors (`tag`, `.class`, `#id`).
function element(localName, { attrs = {}, classes = [], parent = null } = {}) {
  const el = {
    nodeType: 1,
    localName,
    attrs: { ...attrs },
    classList: { contains: (name) => classes.includes(name) },
    getAttribute: (name) => (name in el.attrs ? el.attrs[name] : null),
    matches: (selector) =>
      selector.startsWith('.') ? classes.includes(selector.slice(1))
      : selector.startsWith('#') ? el.attrs.id === selector.slice(1)
      : selector === localName,
    parentElement: parent && parent.nodeType === 1 ? parent : null,
    parentNode: parent,
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
  assert.equal(isMasked(element('input', { attrs: { type: 'password' } })), true);
  assert.equal(isMasked(element('input', { attrs: { type: 'PassWord' } })), true);
  assert.equal(isMasked(element('input', { attrs: { type: 'hidden' } })), true);
  assert.equal(isMasked(element('input', { attrs: { type: 'text' } })), false);
  assert.equal(isMasked(element('input')), false);
  assert.equal(isMasked(element('textarea')), false);
});

test('a field that was once a password field stays masked', () => {
  const field = element('input', { attrs: { type: 'password' } });
  assert.equal(isMasked(field), true);
  field.attrs.type = 'text';
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
    assert.equal(isMasked(element('input', { parent: shadow })), true, name);
  }
  assert.equal(isMasked(element('span', { parent: element('div', { classes: ['upscope'] }) })), false);
});

test('the hello selectors mask; invalid ones are skipped, not fatal', () => {
  setMaskSelectors(doc, ['.card-number', 'bad[', 42, '', '#ssn']);
  assert.equal(isMasked(element('input', { classes: ['card-number'] })), true);
  assert.equal(isMasked(text(element('b', { parent: element('td', { attrs: { id: 'ssn' } }) }))), true);
  assert.equal(isMasked(element('input', { classes: ['name'] })), false);
  setMaskSelectors(doc, undefined);
  assert.equal(isMasked(element('input', { classes: ['card-number'] })), false);
});

test('nothing, or a node without an element, is not masked', () => {
  assert.equal(isMasked(null), false);
  assert.equal(isMasked(text(null)), false);
});
