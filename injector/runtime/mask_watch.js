// Feeds the masking memory (mask.js) from the start of every document the runtime is in:
// the top page, each frame of the same origin (its own runtime, or the top's for
// `about:blank` frames) and every shadow root, open or closed, made in any of them. A
// field that is a password when it is added, or whose `type` changes from or to
// `password`, is remembered for good, also when a script turns it into a text field long
// before any agent looks; and the names of the masked fields of every submitted form are
// learned, for the addresses a GET form makes.
'use strict';

/** What is observed in each document and shadow root. */
const MASK_WATCHED = { childList: true, subtree: true, attributes: true, attributeFilter: ['type'], attributeOldValue: true };

/**
 * Watches `win`'s document from now on, and every shadow root made in `win` later;
 * returns the function that watches another document or root of `win` (a frame's
 * initial window keeps its runtime when it loads a page of its origin).
 */
function watchMasking(win) {
  if (typeof win.MutationObserver !== 'function' || !win.document) return () => {};
  const memory = maskMemory;
  const natives = maskWatchNatives(win);
  const watched = new WeakSet();
  // Parsed markup: the elements it holds are searched (declarative shadow roots among them).
  const search = (node) => {
    if (!node || (node.nodeType !== 1 && node.nodeType !== 9 && node.nodeType !== 11)) return;
    if (node.nodeType === 1) look(node);
    for (const element of natives.all(node)) look(element);
  };
  const look = (element) => {
    if (isPasswordField(element)) memory.remember(element);
    const root = natives.shadowRoot(element);
    if (root) watch(root);
  };
  const observer = new win.MutationObserver((records) => {
    for (const record of records) {
      if (record.type !== 'attributes') record.addedNodes.forEach(search);
      else if (String(record.oldValue).toLowerCase() === 'password' || isPasswordField(record.target)) {
        memory.remember(record.target);
      }
    }
  });
  const onFormData = (event) => learnFormParams(event.target, natives.elements);
  const watch = (root) => {
    if (!root || watched.has(root)) return;
    watched.add(root);
    observer.observe(root, MASK_WATCHED);
    // `formdata` does not bubble out of a shadow root: every root listens.
    natives.listen(root, 'formdata', onFormData);
    search(root);
  };
  patchMethod(win.Element && win.Element.prototype, 'attachShadow', (attach, self, args) => {
    const root = Reflect.apply(attach, self, args);
    watch(root);
    return root;
  });
  watch(win.document);
  return watch;
}

/** The natives the watch uses, taken before any page script could replace them. */
function maskWatchNatives(win) {
  const getter = (proto, name) => {
    const descriptor = proto && Object.getOwnPropertyDescriptor(proto, name);
    return descriptor && typeof descriptor.get === 'function' ? descriptor.get : null;
  };
  const shadowRoot = getter(win.Element.prototype, 'shadowRoot');
  const elements = getter(win.HTMLFormElement && win.HTMLFormElement.prototype, 'elements');
  // By node type, not by prototype: a node made in another window keeps that window's.
  const queries = { 1: win.Element, 9: win.Document, 11: win.DocumentFragment };
  for (const type of Object.keys(queries)) queries[type] = queries[type].prototype.querySelectorAll;
  const listen = win.EventTarget.prototype.addEventListener;
  return {
    shadowRoot: (element) => (shadowRoot ? Reflect.apply(shadowRoot, element, []) : null),
    // A form's `elements` by its getter: a field named "elements" hides the property.
    elements: (form) => (elements ? Reflect.apply(elements, form, []) : form.elements),
    all: (node) => (queries[node.nodeType] ? Reflect.apply(queries[node.nodeType], node, ['*']) : []),
    listen: (target, type, handler) => Reflect.apply(listen, target, [type, handler, true]),
  };
}
