// Module imports. `import()` and `import` statements take no function to patch, but the
// browser resolves their specifiers through import maps, and Chromium merges every
// import map a document adds. So the runtime adds one small map per origin it meets,
// mapping that real origin's URL prefix to its label: the page's own origin at once,
// then each origin the URL mapper maps a URL to (a fetch, an attribute, an import map)
// or meets as a label URL already (attributes of the server's HTML).
// Import maps the page inserts by script get their URLs mapped as the server maps
// those in its HTML (src/rewrite/importmap.rs).
'use strict';

/**
 * The import map `text` with its URLs mapped, or null when nothing changes: values and
 * `scopes`/`integrity` keys become label URLs; a URL specifier key is kept (page code
 * imports it as written) and gets a twin on its label (relative specifiers resolve there).
 */
function mapImportMap(mapUrl, text) {
  let root;
  try {
    root = JSON.parse(text);
  } catch (e) {
    return null;
  }
  if (!root || typeof root !== 'object' || Array.isArray(root)) return null;
  let changed = false;
  const mapKey = (key) => {
    const mapped = mapUrl(key, true);
    if (mapped !== null) changed = true;
    return mapped === null ? key : mapped;
  };
  const mapSpecifiers = (specifiers) => {
    if (!specifiers || typeof specifiers !== 'object') return specifiers;
    const out = {};
    for (const [key, value] of Object.entries(specifiers)) {
      const mapped = typeof value === 'string' ? mapUrl(value, true) : null;
      if (mapped !== null) changed = true;
      out[key] = mapped === null ? value : mapped;
    }
    for (const [key, value] of Object.entries(out)) {
      const labelled = mapUrl(key, true);
      if (labelled !== null && !(labelled in out)) {
        out[labelled] = value;
        changed = true;
      }
    }
    return out;
  };
  const rekey = (object, mapValue) =>
    Object.fromEntries(Object.entries(object).map(([key, value]) => [mapKey(key), mapValue(value)]));
  if (root.imports) root.imports = mapSpecifiers(root.imports);
  if (root.scopes && typeof root.scopes === 'object') root.scopes = rekey(root.scopes, mapSpecifiers);
  if (root.integrity && typeof root.integrity === 'object') root.integrity = rekey(root.integrity, (v) => v);
  return changed ? JSON.stringify(root) : null;
}

/**
 * Sets up module imports in `win`; returns the URL mapper the other patches use, which
 * adds an origin's prefix map the first time it maps a URL of that origin.
 */
function patchModules(win, mapper, from) {
  const doc = win.document;
  const Script = win.HTMLScriptElement;
  const textOf = Object.getOwnPropertyDescriptor(win.Node.prototype, 'textContent');
  const seen = new Set();

  function addPrefixMap(labelOrigin) {
    const real = mapper.realOrigin(labelOrigin);
    const parent = doc && (doc.head || doc.documentElement);
    if (!real || !parent) return;
    const script = doc.createElement('script');
    script.type = 'importmap';
    textOf.set.call(script, JSON.stringify({ imports: { [real + '/']: labelOrigin + '/' } }));
    // The browser registers the map when the element is inserted; it need not stay.
    parent.appendChild(script);
    script.remove();
  }
  function learn(mapped) {
    const end = mapped.indexOf('/', mapped.indexOf('//') + 2);
    // A WebSocket's label is its https (or http) origin's label too.
    const origin = (end < 0 ? mapped : mapped.slice(0, end)).replace(/^ws/, 'http');
    if (seen.has(origin)) return;
    seen.add(origin);
    addPrefixMap(origin);
  }
  const labelUrl = new RegExp('^https?://[^/?#]*\\.' + mapper.zone.replace(/[.]/g, '\\.') + '(?::[0-9]+)?(?:[/?#]|$)', 'i');
  const mapUrl = (raw, directOnly) => {
    const mapped = mapper.mapUrl(raw, directOnly);
    if (mapped !== null) learn(mapped);
    // A label URL already (the server's HTML, seen by the observer): its origin counts too.
    else if (typeof raw === 'string' && labelUrl.test(raw)) learn(raw);
    return mapped;
  };
  learn(from.protocol + '//' + from.host);

  const isImportMap = (node) =>
    node instanceof Script && String(node.getAttribute('type') || '').trim().toLowerCase() === 'importmap';
  const mapText = (value, self) => {
    if (!isImportMap(self)) return value;
    const mapped = mapImportMap(mapUrl, String(value));
    return mapped === null ? value : mapped;
  };
  // Chromium defines a script's own text setters (for Trusted Types); others inherit them.
  const ScriptProto = Script && Script.prototype;
  for (const [name, inherited] of [['textContent', win.Node], ['innerText', win.HTMLElement], ['text', Script]]) {
    const own = ScriptProto && Object.prototype.hasOwnProperty.call(ScriptProto, name);
    patchSetter(own ? ScriptProto : inherited && inherited.prototype, name, mapText);
  }
  // The type set last (property or attribute): the text already there is mapped first.
  const typed = (self, value) => {
    if (self instanceof Script && String(value).trim().toLowerCase() === 'importmap') {
      const mapped = mapImportMap(mapUrl, textOf.get.call(self));
      if (mapped !== null) textOf.set.call(self, mapped);
    }
    return value;
  };
  patchSetter(Script && Script.prototype, 'type', (value, self) => typed(self, value));
  patchMethod(win.Element.prototype, 'setAttribute', (set, self, args) => {
    if (args.length > 1 && String(args[0]).toLowerCase() === 'type') typed(self, args[1]);
    return Reflect.apply(set, self, args);
  });
  return mapUrl;
}

if (typeof module === 'object' && module.exports) {
  module.exports = { mapImportMap };
}
