// Start-up: runs once per document, after the parts above have defined their functions.
// Everything it needs comes from `location`: the label's first 8 characters are the
// session id, the zone is the host minus the label, scheme and port are the zone's.
'use strict';

const RUNTIME_MARKER = Symbol.for('tandem.runtime');
// Idempotent: a second copy (the page loading the script again) changes nothing.
if (!window[RUNTIME_MARKER]) {
  // Non-enumerable and keyed by a symbol: the page's own globals look as they did.
  Object.defineProperty(window, RUNTIME_MARKER, { value: Object.freeze({ version: 1 }), enumerable: false });
  const mapper = makeMapper(window.location);
  disguiseToString();
  patchNetwork(window, mapper.mapUrl);
  const mapAttribute = patchDom(window, mapper.mapUrl);
  patchCss(window, mapper.mapUrl);
  patchHtml(window, mapper.mapUrl, mapAttribute);
  patchNavigation(window, mapper.mapUrl, mapAttribute);
  patchMessages(window, mapper);
}
