// CSS a page's script writes at run time: `url()` (also `image-set("...")` and
// `@import "..."`) with an absolute URL goes to that origin's label, in inline styles
// (`style.backgroundImage = ...`, `setProperty`, `cssText`, the `style` attribute) and
// in style sheets (`insertRule`, `replace`, `replaceSync`). Everything else in the text
// stays as written.
'use strict';

const CSS_URL = /(url\(\s*)(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))(\s*\))|(@import\s+)(?:"([^"]*)"|'([^']*)')/gi;

/** `image-set(...)` (also prefixed), whose images may be plain strings; one level of
 * nested parentheses (`url()`, `type()`) inside. */
const IMAGE_SET = /(image-set\()([^()]*(?:\([^()]*\)[^()]*)*)\)/gi;
const CSS_STRING = /"([^"]*)"|'([^']*)'/g;

/** `text` with its absolute `url()`, `image-set()` and `@import` URLs mapped; `text`
 * itself if none. */
function mapCss(mapUrl, text) {
  if (typeof text !== 'string' || !text.includes('//')) return text;
  const mapString = (whole, dq, sq) => {
    const mapped = mapUrl(dq ?? sq);
    return mapped === null ? whole : dq !== undefined ? '"' + mapped + '"' : "'" + mapped + "'";
  };
  // url()s inside image-set() are mapped below; other strings there are mapped here.
  const sets = text.replace(IMAGE_SET, (whole, open, inside) => open + inside.replace(CSS_STRING, mapString) + ')');
  return sets.replace(CSS_URL, (whole, open, dq, sq, bare, close, imp, idq, isq) => {
    const url = open ? (dq ?? sq ?? bare) : (idq ?? isq);
    const mapped = mapUrl(url);
    if (mapped === null) return whole;
    if (imp) return imp + (idq !== undefined ? '"' + mapped + '"' : "'" + mapped + "'");
    const quote = dq !== undefined ? '"' : sq !== undefined ? "'" : '';
    return open + quote + mapped + quote + close;
  });
}

function patchCss(win, mapUrl) {
  const map = (text) => mapCss(mapUrl, text);
  // `text` may be any value the style object would stringify: only strings are mapped.
  const mapArg = (index) => (method, self, args) =>
    Reflect.apply(method, self, args.length > index ? [...args.slice(0, index), map(args[index]), ...args.slice(index + 1)] : args);

  // `style.backgroundImage = ...` has no setter to patch in Chromium (named properties):
  // the MutationObserver in html.js maps the style attribute it changes.
  const Style = win.CSSStyleDeclaration && win.CSSStyleDeclaration.prototype;
  patchSetter(Style, 'cssText', map);
  patchMethod(Style, 'setProperty', mapArg(1));
  for (const iface of ['CSSStyleSheet', 'CSSGroupingRule']) {
    patchMethod(win[iface] && win[iface].prototype, 'insertRule', mapArg(0));
  }
  patchMethod(win.CSSStyleSheet && win.CSSStyleSheet.prototype, 'replace', mapArg(0));
  patchMethod(win.CSSStyleSheet && win.CSSStyleSheet.prototype, 'replaceSync', mapArg(0));
  // The style attribute through setAttribute (in markup: html.js).
  patchMethod(win.Element.prototype, 'setAttribute', (set, self, args) =>
    Reflect.apply(set, self, args.length > 1 && String(args[0]).toLowerCase() === 'style' ? [args[0], map(String(args[1]))] : args),
  );
}

if (typeof module === 'object' && module.exports) {
  module.exports = { mapCss };
}
