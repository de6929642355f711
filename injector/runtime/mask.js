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

/** Always masked, whatever the site's rules say. */
const MASK_ALWAYS = ['.no-upscope', '.tandem-mask'];

/** Inputs that were password fields at some point: they stay masked for good. */
const EVER_PASSWORD = new WeakSet();
/** The selector list of masked elements (see `setMaskSelectors`). */
let maskSelectorList = MASK_ALWAYS.join(', ');

/**
 * The selector list of masked elements: the fixed ones and `extra` (the hello's `mask`).
 * One that this browser rejects (`valid` says no) would make the whole list match
 * nothing: it masks the whole body instead, rather than showing what it was meant to hide.
 */
function maskSelectorOf(extra, valid) {
  const given = Array.isArray(extra) ? extra.filter((s) => typeof s === 'string' && s.trim()) : [];
  return MASK_ALWAYS.concat(given.map((s) => (valid(s) ? s : 'body'))).join(', ');
}

/** Sets the page's masked selectors from the hello's `mask`, checked by `doc`'s parser. */
function setMaskSelectors(doc, extra) {
  maskSelectorList = maskSelectorOf(extra, (selector) => {
    try {
      doc.createDocumentFragment().querySelector(selector);
      return true;
    } catch {
      return false;
    }
  });
}

/** The selector list of masked elements now (for the recorder's own options). */
function maskSelector() {
  return maskSelectorList;
}

/** Whether `node` (an element, or a text node: its parent) is masked. */
function isMasked(node) {
  const el = node && (node.nodeType === 1 ? node : node.parentElement);
  if (!el || el.nodeType !== 1) return false;
  if (String(el.localName).toLowerCase() === 'input') {
    const type = String(el.type).toLowerCase();
    if (type === 'password') EVER_PASSWORD.add(el);
    if (type === 'password' || type === 'hidden' || EVER_PASSWORD.has(el)) return true;
    // rrweb's own mark of a field it saw as a password.
    if (el.hasAttribute('data-rr-is-password')) return true;
  }
  for (let at = el; at; at = at.getRootNode && at.getRootNode().host) {
    try {
      if (at.closest(maskSelectorList)) return true;
    } catch {
      // Cannot happen with a checked list; masked rather than shown if it does.
      return true;
    }
  }
  return false;
}

/**
 * Remembers every input of `win`'s document that is, or becomes, a password field,
 * from start-up on, also when a script turns it into a text field before anyone looked.
 */
function watchPasswordFields(win) {
  if (typeof win.MutationObserver !== 'function' || !win.document) return;
  const observer = new win.MutationObserver((records) => {
    for (const record of records) {
      if (String(record.oldValue).toLowerCase() === 'password') EVER_PASSWORD.add(record.target);
      isMasked(record.target);
    }
  });
  observer.observe(win.document, { attributes: true, attributeFilter: ['type'], attributeOldValue: true, subtree: true });
}

/**
 * Keeps `win`'s masking rule current: password fields watched from start-up, and the
 * selectors of every hello. Started before the parts that mask, so that a hello's
 * selectors are set before any of them acts on it.
 */
function startMasking(win) {
  watchPasswordFields(win);
  onLiveMessage('hello', (message) => setMaskSelectors(win.document, message.mask));
}

if (typeof module === 'object' && module.exports) {
  module.exports = { isMasked, maskSelector, maskSelectorOf, setMaskSelectors };
}
