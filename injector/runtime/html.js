// Markup a page's script inserts as a string (innerHTML, outerHTML, insertAdjacentHTML,
// document.write/writeln, createContextualFragment, setHTMLUnsafe, iframe srcdoc), and a
// MutationObserver for elements that reach the document by any other route.
//
// The string is mapped before the browser parses it, and only in the URL attributes of
// its start tags; every other character stays as the page wrote it. Why not the
// alternatives: parsing a copy (in a <template>) and serializing it back would close the
// partial tags pages give document.write, re-escape text and parse in the template's
// context instead of the real one; and mapping the inserted nodes afterwards is too late
// for iframes, which start navigating as they are inserted.
'use strict';

/** A start tag: its name and its attributes (quoted values may hold `>`). */
const START_TAG = /<([a-zA-Z][^\t\n\f\r />]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/g;
/** One attribute with a value (quoted or not). */
const ATTRIBUTE = /([^\t\n\f\r "'>/=]+)([\t\n\f\r ]*=[\t\n\f\r ]*)("[^"]*"|'[^']*'|[^\t\n\f\r "'=<>`]+)/g;
/** Elements whose content is text, not markup: `textarea.innerHTML = ...` shows it as is. */
const TEXT_ONLY = ['script', 'style', 'textarea', 'title', 'xmp', 'iframe', 'noembed', 'noframes', 'plaintext'];

/** `markup` with the absolute URLs of its URL attributes mapped; `markup` itself if none. */
function mapMarkup(mapUrl, markup) {
  const text = String(markup);
  if (!text.includes('//') && !text.includes('\\\\')) return markup;
  const out = text.replace(START_TAG, (tag, name, attributes) => {
    const local = name.toLowerCase();
    const mapped = attributes.replace(ATTRIBUTE, (whole, attribute, equals, value) => {
      const lower = attribute.toLowerCase();
      const style = lower === 'style';
      if (!style && !holdsUrl(local, lower)) return whole;
      const quote = value[0] === '"' || value[0] === "'" ? value[0] : '';
      const inner = quote ? value.slice(1, -1) : value;
      const next = style ? mapStyleAttribute(mapUrl, inner) : mapUrlValue(mapUrl, lower, inner);
      return next === inner ? whole : attribute + equals + quote + next + quote;
    });
    return '<' + name + mapped + '>';
  });
  // Unchanged markup keeps its type (a TrustedHTML stays one).
  return out === text ? markup : out;
}

/** A `style` attribute's value as written in markup: quotes may be written as entities. */
function mapStyleAttribute(mapUrl, value) {
  const decoded = value.replace(/&quot;/g, '"').replace(/&#0*39;|&apos;/g, "'");
  const mapped = mapCss(mapUrl, decoded);
  return mapped === decoded ? value : mapped.replace(/"/g, '&quot;');
}

// The runtime's URL as this page loaded it (versioned, so a srcdoc frame takes it from the
// cache); the plain path where there is no document (unit tests).
const RUNTIME_SRC =
  (typeof document !== 'undefined' && document.currentScript && document.currentScript.getAttribute('src')) ||
  '/__tandem/runtime.js';
const RUNTIME_TAG = `<script src="${RUNTIME_SRC}"></script>`;

/** A srcdoc document's markup loading the runtime before anything else (after a doctype). */
function withRuntime(markup) {
  const text = String(markup);
  if (text.includes(RUNTIME_TAG)) return markup;
  const doctype = /^\s*<!doctype[^>]*>/i.exec(text);
  const at = doctype ? doctype[0].length : 0;
  return text.slice(0, at) + RUNTIME_TAG + text.slice(at);
}

function patchHtml(win, mapUrl, mapAttribute) {
  const map = (markup) => mapMarkup(mapUrl, markup);
  const mapIn = (markup, element) =>
    element && TEXT_ONLY.includes(element.localName) ? markup : map(markup);

  const Element = win.Element.prototype;
  patchSetter(Element, 'innerHTML', mapIn);
  patchSetter(Element, 'outerHTML', map);
  patchSetter(win.ShadowRoot && win.ShadowRoot.prototype, 'innerHTML', map);
  patchMethod(Element, 'insertAdjacentHTML', (insert, self, args) =>
    Reflect.apply(insert, self, args.length > 1 ? [args[0], map(args[1]), ...args.slice(2)] : args),
  );
  const mapFirst = (method, self, args) => Reflect.apply(method, self, args.length ? [map(args[0]), ...args.slice(1)] : args);
  patchMethod(Element, 'setHTMLUnsafe', mapFirst);
  patchMethod(win.ShadowRoot && win.ShadowRoot.prototype, 'setHTMLUnsafe', mapFirst);
  patchMethod(win.Range && win.Range.prototype, 'createContextualFragment', mapFirst);
  // An iframe's srcdoc is a whole document in markup: it loads the runtime first.
  const mapSrcdoc = (markup) => withRuntime(map(markup));
  patchSetter(win.HTMLIFrameElement && win.HTMLIFrameElement.prototype, 'srcdoc', mapSrcdoc);
  patchMethod(Element, 'setAttribute', (set, self, args) =>
    Reflect.apply(
      set,
      self,
      args.length > 1 && self.localName === 'iframe' && String(args[0]).toLowerCase() === 'srcdoc'
        ? [args[0], mapSrcdoc(String(args[1]))]
        : args,
    ),
  );
  // write(a, b) writes a + b: a tag may span the arguments, so they are mapped joined.
  for (const name of ['write', 'writeln']) {
    patchMethod(win.Document.prototype, name, (write, self, args) => {
      if (args.length < 1) return Reflect.apply(write, self, args);
      const joined = args.map(String).join('');
      const mapped = map(joined);
      return Reflect.apply(write, self, mapped === joined ? args : [mapped]);
    });
  }

  // Elements made elsewhere (a DOMParser document, an Attr node...) carry their URLs as
  // written. Importing maps the copy before the page can insert it; the observer maps
  // whatever else is added to the document, or any URL attribute changed, by any route.
  const selector = Object.entries(URL_ATTRIBUTES)
    .flatMap(([attribute, tags]) => tags.map((tag) => tag + '[' + attribute + ']'))
    .concat('[style]', 'style')
    .join(',');
  // Inline styles set as properties (`style.backgroundImage = ...`: Chromium's style
  // object has no setters to patch) show up as changes of the style attribute; the
  // browser fetches their images only when it next renders, after the observer ran.
  const getAttribute = win.Element.prototype.getAttribute;
  const setAttribute = win.Element.prototype.setAttribute;
  const mapStyle = (element) => {
    const value = Reflect.apply(getAttribute, element, ['style']);
    const mapped = value && mapCss(mapUrl, value);
    if (mapped !== value) Reflect.apply(setAttribute, element, ['style', mapped]);
  };
  // A <style> element's text, however it was written; as above, before the next render.
  const mapStyleSheet = (element) => {
    const text = element.textContent;
    const mapped = mapCss(mapUrl, text);
    if (mapped !== text) element.textContent = mapped;
  };
  const mapTree = (node) => {
    if (!node || typeof node.querySelectorAll !== 'function') return;
    const elements = [...node.querySelectorAll(selector)];
    if (node instanceof win.Element && node.matches(selector)) elements.push(node);
    for (const element of elements) {
      if (element.localName === 'style') mapStyleSheet(element);
      if (element.hasAttribute('style')) mapStyle(element);
      for (const attribute of Object.keys(URL_ATTRIBUTES)) {
        if (holdsUrl(element.localName, attribute)) mapAttribute(element, attribute);
      }
    }
  };
  for (const name of ['importNode', 'adoptNode']) {
    patchMethod(win.Document.prototype, name, (method, self, args) => {
      const node = Reflect.apply(method, self, args);
      mapTree(node);
      return node;
    });
  }
  const handle = (records) => {
    for (const record of records) {
      if (record.type === 'childList' && record.target.localName === 'style') mapStyleSheet(record.target);
      else if (record.type !== 'attributes') record.addedNodes.forEach(mapTree);
      else if (record.attributeName === 'style') mapStyle(record.target);
      else if (holdsUrl(record.target.localName, record.attributeName)) mapAttribute(record.target, record.attributeName);
    }
  };
  const observer = new win.MutationObserver(handle);
  // Reading computed style renders at once (and fetches background images): map the
  // pending changes first.
  patchMethod(win, 'getComputedStyle', (get, self, args) => {
    handle(observer.takeRecords());
    return Reflect.apply(get, self, args);
  });
  const watched = {
    childList: true,
    subtree: true,
    attributes: true,
    attributeFilter: [...Object.keys(URL_ATTRIBUTES), 'style'],
  };
  const watch = (doc) => observer.observe(doc, watched);
  watch(win.document);
  // Shadow roots (open or closed) are not part of the document's subtree: watch each.
  patchMethod(Element, 'attachShadow', (attach, self, args) => {
    const root = Reflect.apply(attach, self, args);
    observer.observe(root, watched);
    return root;
  });
  return watch;
}

if (typeof module === 'object' && module.exports) {
  module.exports = { mapMarkup, withRuntime };
}
