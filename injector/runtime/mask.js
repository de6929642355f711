// What the visitor's page keeps to itself: the one masking rule that the mirror's
// recorder (capture.js: masked text and values never leave the page) and remote control
// (control.js: an agent never types into a masked field) both follow, so the two cannot
// disagree about a field. Masked: password fields, and fields that ever were one (a
// "show password" button turns them into text fields with the secret inside); hidden
// inputs; anything inside an element of class `no-upscope` or `tandem-mask`, or matching
// one of the selectors the relay's hello gives (the site's `rules/` file and the
// session's settings). Ancestors are followed out of shadow roots, so a field in a
// component inside a masked element is masked too.
'use strict';

const MASK_CLASSES = ['no-upscope', 'tandem-mask'];
const MASKED_INPUT_TYPES = ['password', 'hidden'];

/** Inputs that were password fields at some point: they stay masked for good. */
const EVER_PASSWORD = new WeakSet();
/** The hello's selectors, as one selector list per valid selector (an invalid one is skipped). */
let maskSelectors = [];

/** Sets the page's mask selectors (the hello's `mask`); invalid ones are dropped. */
function setMaskSelectors(doc, selectors) {
  const valid = [];
  for (const selector of Array.isArray(selectors) ? selectors : []) {
    if (typeof selector !== 'string' || !selector.trim()) continue;
    try {
      doc.createDocumentFragment().querySelector(selector);
      valid.push(selector);
    } catch {
      // An invalid selector would make every check throw: it masks nothing instead.
    }
  }
  maskSelectors = valid;
}

/** The element's parent, or the host of the shadow root it is the top of. */
function maskParent(element) {
  if (element.parentElement) return element.parentElement;
  const root = element.parentNode;
  return root && root.host && root.nodeType === 11 ? root.host : null;
}

/** Whether this one element (not its ancestors) is a masked field. */
function isMaskedField(element) {
  if (String(element.localName).toLowerCase() !== 'input') return false;
  const type = String(element.getAttribute('type') || '').toLowerCase();
  if (type === 'password') EVER_PASSWORD.add(element);
  return MASKED_INPUT_TYPES.includes(type) || EVER_PASSWORD.has(element);
}

/** Whether `node` (an element, or a text node: its parent) is masked. */
function isMasked(node) {
  let element = node && node.nodeType === 1 ? node : node && node.parentElement;
  if (element && isMaskedField(element)) return true;
  for (; element; element = maskParent(element)) {
    const classes = element.classList;
    if (classes && MASK_CLASSES.some((name) => classes.contains(name))) return true;
    if (maskSelectors.some((selector) => element.matches(selector))) return true;
  }
  return false;
}

/**
 * Remembers every input of `doc` that is, or becomes, a password field, also when a
 * script turns it into a text field before anyone looked at it.
 */
function watchPasswordFields(doc) {
  const view = doc.defaultView;
  if (!view || typeof view.MutationObserver !== 'function') return;
  const observer = new view.MutationObserver((records) => {
    for (const record of records) {
      if (String(record.oldValue).toLowerCase() === 'password') EVER_PASSWORD.add(record.target);
      isMaskedField(record.target);
    }
  });
  observer.observe(doc, { subtree: true, attributes: true, attributeFilter: ['type'], attributeOldValue: true });
}

if (typeof module === 'object' && module.exports) {
  module.exports = { isMasked, setMaskSelectors, watchPasswordFields };
}
