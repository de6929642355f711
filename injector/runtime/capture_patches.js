// rrweb patches page natives while it records (insertRule, attachShadow, the value
// setters of form fields, ...), with functions of its own whose source, name and length
// a page could read. Right after the recorder starts, each function it put on the
// watched prototypes is wrapped like the runtime's own patches (disguise.js): a Proxy of
// the native it replaced, calling rrweb's function, so `toString`, `name` and `length`
// read as the native's. rrweb's stop puts the natives back itself.
'use strict';

/** The globals whose prototypes rrweb patches in the page's window. */
const CAPTURE_PATCHED_PROTOTYPES = [
  'Element',
  'Document',
  'ShadowRoot',
  'CSSStyleSheet',
  'CSSGroupingRule',
  'CSSMediaRule',
  'CSSSupportsRule',
  'CSSConditionRule',
  'CSSStyleDeclaration',
  'HTMLInputElement',
  'HTMLSelectElement',
  'HTMLTextAreaElement',
  'HTMLOptionElement',
];
const CAPTURE_DESCRIPTOR_FUNCTIONS = ['value', 'get', 'set'];

/** The own property descriptors of the watched prototypes of `win`. */
function capturePrototypeDescriptors(win) {
  const seen = [];
  for (const name of CAPTURE_PATCHED_PROTOTYPES) {
    const proto = win[name] && win[name].prototype;
    if (proto) seen.push([proto, Object.getOwnPropertyDescriptors(proto)]);
  }
  return seen;
}

/** Disguises every function of the watched prototypes that changed since `before`. */
function captureDisguisePatches(before) {
  for (const [proto, descriptors] of before) {
    for (const [name, was] of Object.entries(descriptors)) {
      const now = Object.getOwnPropertyDescriptor(proto, name);
      if (!now || !now.configurable) continue;
      let changed = false;
      for (const key of CAPTURE_DESCRIPTOR_FUNCTIONS) {
        const [original, patched] = [was[key], now[key]];
        if (typeof original !== 'function' || typeof patched !== 'function' || original === patched) continue;
        const disguised = new Proxy(original, {
          apply(target, self, args) {
            return Reflect.apply(patched, self, args);
          },
        });
        ORIGINALS.set(disguised, ORIGINALS.get(original) || original);
        now[key] = disguised;
        changed = true;
      }
      if (changed) Object.defineProperty(proto, name, now);
    }
  }
}
