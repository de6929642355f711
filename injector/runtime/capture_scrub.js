// The one place where the page's masking rule (mask.js) is applied to what the recorder
// emits: every rrweb event goes through `captureScrub` before capture.js sends it, and
// an event it does not know is not sent. For a masked node: text becomes `*` (white
// space kept), CSS keeps its rules but its strings, comments and URLs are blanked, and
// of its attributes only those in CAPTURE_KEPT stay as written; URL-bearing ones are
// dropped (the viewer would fetch or follow them), every other text attribute becomes
// `*` of its length, other values are dropped. Field values, checked states, selections
// and media state of masked nodes do not go out; events about a node the recording does
// not know (rrweb reports a field of a closed shadow root with id -1) are dropped. In
// every string, the values of submitted masked fields in addresses are masked
// (`maskUrl`). Tandem's own elements (`tandem-*`: the overlay) are left out.
'use strict';

/** rrweb's event types, incremental sources and node types (rrweb 2.x). */
const RRWEB_TYPE = { domContentLoaded: 0, load: 1, fullSnapshot: 2, incremental: 3, meta: 4 };
const RRWEB_SOURCE = {
  mutation: 0, mouseMove: 1, mouseInteraction: 2, scroll: 3, viewportResize: 4, input: 5, touchMove: 6,
  mediaInteraction: 7, styleSheetRule: 8, canvasMutation: 9, font: 10, log: 11, drag: 12,
  styleDeclaration: 13, selection: 14, adoptedStyleSheet: 15, customElement: 16,
};
const RRWEB_NODE = { document: 0, documentType: 1, element: 2, text: 3, cdata: 4, comment: 5 };
/** Sources that carry only positions and node ids: sent as they are. */
const CAPTURE_PLAIN_SOURCES = new Set([
  RRWEB_SOURCE.mouseMove, RRWEB_SOURCE.mouseInteraction, RRWEB_SOURCE.scroll, RRWEB_SOURCE.viewportResize,
  RRWEB_SOURCE.touchMove, RRWEB_SOURCE.drag, RRWEB_SOURCE.customElement,
]);
/**
 * Attributes a masked element keeps as written: they shape the box, not what it says.
 * `class` and `id` (the page's CSS selects by them; the mask selectors too), `type` (a
 * checkbox and a text field are drawn differently), the sizes (`width`, `height`,
 * `size`, `cols`, `rows`, `colspan`, `rowspan`, `span`), `dir`, the boolean states that
 * change the layout (`hidden`, `disabled`, `readonly`, `multiple`, `open`), and rrweb's
 * own box and scroll offsets (`rr_width`, `rr_height`, `rr_scrollLeft`, `rr_scrollTop`,
 * `rr_open_mode`). `style` and `_cssText` (an inlined stylesheet) are kept as CSS.
 */
const CAPTURE_KEPT = new Set([
  'class', 'id', 'type', 'width', 'height', 'size', 'cols', 'rows', 'colspan', 'rowspan', 'span', 'dir',
  'hidden', 'disabled', 'readonly', 'multiple', 'open',
  'rr_width', 'rr_height', 'rr_scrollleft', 'rr_scrolltop', 'rr_open_mode',
]);
const CAPTURE_CSS = new Set(['style', '_csstext']);
/** Attributes that name something to load or follow: dropped from masked elements. */
const CAPTURE_URLS = new Set([
  'href', 'src', 'srcset', 'imagesrcset', 'action', 'formaction', 'poster', 'background', 'cite', 'data',
  'codebase', 'archive', 'longdesc', 'usemap', 'manifest', 'ping', 'xlink:href', 'srcdoc', 'lowsrc', 'dynsrc',
  'rr_src', 'rr_dataurl',
]);
/** In CSS: strings, comments and `url(...)`, which is all CSS can say in words or images. */
const CAPTURE_CSS_CONTENT = /("(?:[^"\\]|\\[\s\S])*"|'(?:[^'\\]|\\[\s\S])*')|(\/\*[\s\S]*?\*\/)|(url\()([^)]*)(\))/gi;
/** Tandem's own elements (indicator, cursors): never mirrored. */
const CAPTURE_OWN_TAG = /^tandem-/;

/** Text as rrweb masks it: every character but white space becomes `*`. */
function captureMaskText(text) {
  return String(text).replace(/\S/g, '*');
}

/** CSS of a masked element: its strings and comments as `*`, its URLs empty. */
function captureMaskCss(css) {
  return String(css).replace(CAPTURE_CSS_CONTENT, (all, string, comment, open, _url, close) =>
    string ? string[0] + maskStars(string.slice(1, -1)) + string[0] : comment ? `/*${maskStars(comment.slice(2, -2))}*/` : open + close,
  );
}

/**
 * A masked element's attribute `name` with `value`: as written, as masked CSS, `*` of
 * its length, or undefined (dropped). `null` (removed, in a mutation) stays.
 */
function captureMaskAttribute(name, value) {
  const key = String(name).toLowerCase();
  if (value === null || CAPTURE_KEPT.has(key)) return value;
  if (CAPTURE_CSS.has(key)) {
    if (typeof value === 'string') return captureMaskCss(value);
    // rrweb's diff of a style attribute: property → value, [value, priority] or false.
    if (!value || typeof value !== 'object') return undefined;
    const diff = {};
    for (const [property, set] of Object.entries(value)) {
      diff[property] = Array.isArray(set) ? [captureMaskCss(set[0]), set[1]] : typeof set === 'string' ? captureMaskCss(set) : set;
    }
    return diff;
  }
  if (typeof value !== 'string' || CAPTURE_URLS.has(key)) return undefined;
  return maskStars(value);
}

/**
 * Scrubs `attributes` (name → value) of a node, masked or not, in place. `removal`:
 * a dropped attribute is sent as removed (a mutation) rather than left out (a snapshot).
 */
function captureScrubAttributes(attributes, masked, removal) {
  for (const [name, value] of Object.entries(attributes)) {
    let kept = masked ? captureMaskAttribute(name, value) : value;
    if (typeof kept === 'string') kept = maskUrl(kept);
    if (kept !== undefined) attributes[name] = kept;
    else if (removal) attributes[name] = null;
    else delete attributes[name];
  }
}

/**
 * Scrubs a serialized node and its children in place (a child of a masked node is
 * masked); false when the node is to be left out.
 */
function captureScrubNode(node, rule, inMasked) {
  if (!node || typeof node !== 'object') return false;
  const masked = inMasked || rule.masked(node.id);
  if (node.type === RRWEB_NODE.element) {
    if (CAPTURE_OWN_TAG.test(node.tagName)) return false;
    if (node.attributes) captureScrubAttributes(node.attributes, masked, false);
  }
  if (typeof node.textContent === 'string') {
    const text = masked ? (node.isStyle ? captureMaskCss(node.textContent) : captureMaskText(node.textContent)) : node.textContent;
    node.textContent = maskUrl(text);
  }
  if (Array.isArray(node.childNodes)) node.childNodes = node.childNodes.filter((child) => captureScrubNode(child, rule, masked));
  return true;
}

/** Scrubs the CSS text of `rules` (`[{rule, index}]`) of a masked sheet or not. */
function captureScrubRules(rules, masked) {
  for (const entry of Array.isArray(rules) ? rules : []) {
    if (entry && typeof entry.rule === 'string') entry.rule = maskUrl(masked ? captureMaskCss(entry.rule) : entry.rule);
  }
}

/** Scrubs one incremental event's data in place; false when the event is not to be sent. */
function captureScrubIncremental(data, rule) {
  const source = data.source;
  if (CAPTURE_PLAIN_SOURCES.has(source)) return true;
  const known = (id) => typeof id === 'number' && id > 0 && rule.known(id);
  switch (source) {
    case RRWEB_SOURCE.mutation:
      data.adds = (data.adds || []).filter((add) => add && captureScrubNode(add.node, rule, rule.masked(add.parentId)));
      for (const text of data.texts || []) {
        if (typeof text.value !== 'string') continue;
        const value = rule.masked(text.id) ? (rule.inStyle(text.id) ? captureMaskCss(text.value) : captureMaskText(text.value)) : text.value;
        text.value = maskUrl(value);
      }
      for (const change of data.attributes || []) {
        if (change && change.attributes) captureScrubAttributes(change.attributes, rule.masked(change.id), true);
      }
      return true;
    case RRWEB_SOURCE.input:
      if (!known(data.id)) return false;
      if (rule.masked(data.id)) {
        if (typeof data.text === 'string') data.text = maskStars(data.text);
        data.isChecked = false;
      }
      return true;
    case RRWEB_SOURCE.selection:
      data.ranges = (data.ranges || []).filter((r) => r && known(r.start) && known(r.end) && !rule.masked(r.start) && !rule.masked(r.end));
      return true;
    case RRWEB_SOURCE.styleSheetRule:
    case RRWEB_SOURCE.styleDeclaration: {
      const masked = data.id !== undefined ? rule.masked(data.id) : rule.maskedStyles.has(data.styleId);
      captureScrubRules(data.adds, masked);
      for (const key of ['replace', 'replaceSync']) {
        if (typeof data[key] === 'string') data[key] = maskUrl(masked ? captureMaskCss(data[key]) : data[key]);
      }
      if (data.set && typeof data.set.value === 'string') data.set.value = maskUrl(masked ? captureMaskCss(data.set.value) : data.set.value);
      return true;
    }
    case RRWEB_SOURCE.adoptedStyleSheet: {
      const masked = rule.masked(data.id);
      for (const style of data.styles || []) {
        if (masked) rule.maskedStyles.add(style.styleId);
        captureScrubRules(style.rules, masked || rule.maskedStyles.has(style.styleId));
      }
      if (masked) for (const styleId of data.styleIds || []) rule.maskedStyles.add(styleId);
      return true;
    }
    case RRWEB_SOURCE.mediaInteraction:
    case RRWEB_SOURCE.canvasMutation:
      return known(data.id) && !rule.masked(data.id);
    // Fonts and console logs are not recorded (no such option is set); anything else is unknown.
    default:
      return false;
  }
}

/**
 * The events to send of `events`, scrubbed in place. `rule`: `masked(id)` (the node
 * with that mirror id is masked: mask.js's rule), `known(id)` (the recording has it),
 * `inStyle(id)` (a text node in a `<style>`), `maskedStyles` (ids of constructed
 * stylesheets a masked shadow root adopted, kept for the recording).
 */
function captureScrub(events, rule) {
  return events.filter((event) => {
    const data = event && event.data;
    if (!data || typeof data !== 'object') return false;
    switch (event.type) {
      case RRWEB_TYPE.domContentLoaded:
      case RRWEB_TYPE.load:
        return true;
      case RRWEB_TYPE.meta:
        data.href = maskUrl(data.href);
        return true;
      case RRWEB_TYPE.fullSnapshot:
        return captureScrubNode(data.node, rule, false);
      case RRWEB_TYPE.incremental:
        return captureScrubIncremental(data, rule);
      // Custom and plugin events: the capture makes none.
      default:
        return false;
    }
  });
}

if (typeof module === 'object' && module.exports) {
  module.exports = { captureScrub, captureMaskText, captureMaskCss, captureMaskAttribute, CAPTURE_KEPT };
}
