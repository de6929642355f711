// What the visitor's page keeps to itself: the one masking rule that the mirror's
// recorder (capture.js, capture_scrub.js: nothing masked leaves the page) and remote
// control (control.js: an agent never types into a masked field) both follow, so the
// two cannot disagree about a field. Masked: password fields, and fields that ever were
// one (a "show password" button turns them into text fields with the secret inside);
// hidden inputs; anything inside an element of class `no-upscope` or `tandem-mask`, or
// matching one of the selectors the relay's hello gives (the site's `rules/` file and
// the session's settings). Ancestors are followed out of shadow roots and out of
// same-origin frames, so a field in a component or a frame inside a masked element is
// masked too. And the values of masked fields that a form put into an address (a GET
// form's password) are masked in every address the page sends (`maskUrl`).
'use strict';

/** Always masked, whatever the site's rules say. */
const MASK_ALWAYS = ['.no-upscope', '.tandem-mask'];
/** Most names of masked fields remembered, and their longest; past them, every value is masked. */
const MASK_MAX_PARAMS = 256;
const MASK_MAX_PARAM_LEN = 128;
/** The name that stands for every parameter (the list overflowed). */
const MASK_ALL_PARAMS = '*';
/** A `name=value` pair in an address: a query, a fragment, a URL inside CSS or markup. */
const MASK_URL_PARAM = /([?&;#])([^=&;#?\s"'()<>]+)=([^&;#\s"'()<>]*)/g;

/** This runtime's selector list of masked elements (see `setMaskSelectors`). */
let maskSelectorList = MASK_ALWAYS.join(', ');

/**
 * What the runtime instances of one page tree know together: the selector list of the
 * top page's hello, the inputs that ever were password fields, in any document or
 * shadow root, and the names of masked fields that a form submitted (their values may be
 * in an address). A frame of the same origin runs its own runtime but uses the memory of
 * its parent's (`adoptMaskMemory`), so whichever instance is asked about a field answers
 * the same. Pages can reach it (through the runtime's marker), so it can only grow: the
 * selectors are set only by the runtime that made it.
 */
function makeMaskMemory() {
  const everPassword = new WeakSet();
  const params = new Set();
  const listeners = [];
  return Object.freeze({
    selector: () => maskSelectorList,
    remember: (element) => void everPassword.add(element),
    wasPassword: (element) => everPassword.has(element),
    /** Adds `names`; the new ones go to the listeners unless `quiet`. */
    learnParams(names, quiet) {
      const added = [];
      for (const name of Array.isArray(names) ? names : []) {
        if (typeof name !== 'string' || !name || params.has(name)) continue;
        const fits = name.length <= MASK_MAX_PARAM_LEN && params.size < MASK_MAX_PARAMS;
        const kept = fits ? name : MASK_ALL_PARAMS;
        if (params.has(kept)) continue;
        params.add(kept);
        added.push(kept);
      }
      if (added.length && !quiet) for (const listener of listeners) listener(added);
    },
    hasParam: (name) => params.has(name) || params.has(MASK_ALL_PARAMS),
    paramCount: () => params.size,
    params: () => [...params],
    onParams: (listener) => void listeners.push(listener),
  });
}

/** This instance's memory: its own, or the one it adopted from its parent's runtime. */
let maskMemory = makeMaskMemory();

/** Shares the memory of the nearest same-origin ancestor window that has the runtime. */
function adoptMaskMemory(win) {
  let at = win;
  for (let hops = 0; hops < 16; hops++) {
    let parent;
    try {
      parent = at.parent;
    } catch {
      return;
    }
    if (!parent || parent === at) return;
    try {
      const marker = parent[RUNTIME_MARKER];
      if (marker && marker.mask && typeof marker.mask.wasPassword === 'function') {
        maskMemory = marker.mask;
        return;
      }
    } catch {
      // A parent of another origin: its own parent may still be of this one.
    }
    at = parent;
  }
}

/**
 * The selector list of masked elements: the fixed ones and `extra` (the hello's `mask`).
 * One that this browser rejects (`valid` says no) would make the whole list match
 * nothing: it masks the whole body instead, rather than showing what it was meant to hide.
 */
function maskSelectorOf(extra, valid) {
  const given = Array.isArray(extra) ? extra.filter((s) => typeof s === 'string' && s.trim()) : [];
  return MASK_ALWAYS.concat(given.map((s) => (valid(s) ? s : 'body'))).join(', ');
}

/**
 * Sets the page's masked selectors from the hello's `mask`, checked by `doc`'s parser:
 * for this runtime and the frames that share its memory.
 */
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
  return maskMemory.selector();
}

/** Whether `element` is an input that is a password field now. */
function isPasswordField(element) {
  return String(element.localName).toLowerCase() === 'input' && String(element.type).toLowerCase() === 'password';
}

/** The element `el`'s tree hangs from: a shadow root's host, a frame document's frame. */
function maskParentOf(el) {
  const root = typeof el.getRootNode === 'function' ? el.getRootNode() : null;
  if (!root || root === el) return null;
  if (root.host) return root.host;
  try {
    return (root.defaultView && root.defaultView.frameElement) || null;
  } catch {
    return null;
  }
}

/** Whether `node` (an element, or a text node: its parent or its root's host) is masked. */
function isMasked(node) {
  const el = node && (node.nodeType === 1 ? node : node.parentElement || maskParentOf(node));
  if (!el || el.nodeType !== 1) return false;
  if (String(el.localName).toLowerCase() === 'input') {
    if (isPasswordField(el)) maskMemory.remember(el);
    const type = String(el.type).toLowerCase();
    if (type === 'password' || type === 'hidden' || maskMemory.wasPassword(el)) return true;
    // rrweb's own mark of a field it saw as a password.
    if (el.hasAttribute('data-rr-is-password')) return true;
  }
  const selector = maskMemory.selector();
  for (let at = el; at; at = maskParentOf(at)) {
    try {
      if (at.closest(selector)) return true;
    } catch {
      // Cannot happen with a checked list; masked rather than shown if it does.
      return true;
    }
  }
  return false;
}

/** `text` as a placeholder of the same length. */
function maskStars(text) {
  return '*'.repeat(String(text).length);
}

/** A form-encoded name or value as text (undecodable: as written). */
function maskFormDecode(text) {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/**
 * `text` (an address, or markup or CSS that holds addresses) with the value of every
 * parameter named after a masked field that a form submitted as `*` of its length: in
 * the query, in the fragment, wherever such a pair appears. The names are the field's,
 * never its value: the next page learns them from the relay's hello.
 */
function maskUrl(text) {
  if (typeof text !== 'string' || !maskMemory.paramCount()) return text;
  return text.replace(MASK_URL_PARAM, (pair, lead, name, value) =>
    maskMemory.hasParam(maskFormDecode(name)) ? `${lead}${name}=${maskStars(maskFormDecode(value))}` : pair,
  );
}

/** Learns the names of the masked fields `form` submits (its `formdata` event). */
function learnFormParams(form, elementsOf) {
  const names = [];
  for (const field of elementsOf(form) || []) {
    const name = field.name;
    if (typeof name === 'string' && name && isMasked(field)) names.push(name);
  }
  maskMemory.learnParams(names);
}

/**
 * Keeps the session's top page `win` masking by the relay's rules: the selectors of
 * every hello, and the names of submitted masked fields, which the relay keeps for the
 * session (`mask_params`) so that the next page, on any label, masks them in its
 * address before it reports it. Started before the parts that mask, so that a hello's
 * rules are set before any of them acts on it.
 */
function startMasking(win) {
  maskMemory.onParams((names) => liveSend({ type: 'mask_params', names }));
  onLiveMessage('hello', (message) => {
    setMaskSelectors(win.document, message.mask);
    const known = Array.isArray(message.mask_params) ? message.mask_params : [];
    maskMemory.learnParams(known, true);
    // Learned while the socket was down.
    const unknown = maskMemory.params().filter((name) => !known.includes(name));
    if (unknown.length) liveSend({ type: 'mask_params', names: unknown });
  });
}

if (typeof module === 'object' && module.exports) {
  module.exports = { isMasked, maskSelector, maskSelectorOf, setMaskSelectors, maskUrl, maskStars, maskMemory: () => maskMemory };
}
