// Start-up: runs once per document, after the parts above have defined their functions.
// Everything it needs comes from `location`: the label's first 8 characters are the
// session id, the zone is the host minus the label, scheme and port are the zone's.
// A same-origin window with no label of its own (an `about:blank` or `srcdoc` frame, a
// `window.open()` popup) gets the same runtime, mapped from its parent's (or opener's)
// label, as soon as the page can reach it.
'use strict';

/** The location whose label `win` maps from: its own, or the parent's for `about:` windows. */
function labelLocation(win) {
  let current = win;
  for (let hops = 0; hops < 16 && current; hops++) {
    try {
      if (current.location.protocol !== 'about:') return current.location;
      const next = current.parent !== current ? current.parent : current.opener;
      if (!next || next === current) break;
      current = next;
    } catch (e) {
      break;
    }
  }
  return win.location;
}

/** Installs the runtime into `win` (idempotent); a cross-origin window is left alone. */
function installRuntime(win, location) {
  try {
    if (!win || win[RUNTIME_MARKER]) return;
  } catch (e) {
    return;
  }
  // Non-enumerable and keyed by a symbol: the page's own globals look as they did.
  Object.defineProperty(win, RUNTIME_MARKER, { value: Object.freeze({ version: 1 }), enumerable: false });
  const from = location || labelLocation(win);
  const mapper = makeMapper(from);
  disguiseToString(win);
  // The mapper that also gives module imports the prefix map of each origin it maps to.
  const mapUrl = patchModules(win, mapper, from);
  patchNetwork(win, mapUrl);
  patchWorkers(win, mapUrl, from.protocol + '//' + from.host);
  const mapAttribute = patchDom(win, mapUrl);
  patchCss(win, mapUrl);
  patchHtml(win, mapUrl, mapAttribute);
  patchNavigation(win, mapUrl, mapAttribute);
  const mapPostArgs = patchMessages(win, mapper);
  patchCookies(win, from);
  patchIdentity(win, mapper, from);
  patchWindows(win, from);
  // Last: it wraps the windows patchWindows installs the runtime in.
  patchWindowMessages(win, mapper, from, mapPostArgs);
}

/** Frames and popups of `win` get the runtime when the page first reaches their window. */
function patchWindows(win, location) {
  // The page gets its window whatever happens to the runtime there.
  const install = (child) => {
    try {
      if (child && child !== win) installRuntime(child, location);
    } catch (e) {
      // A window closing under us: nothing to patch.
    }
    return child;
  };
  for (const iface of ['HTMLIFrameElement', 'HTMLFrameElement', 'HTMLObjectElement']) {
    const proto = win[iface] && win[iface].prototype;
    patchGetter(proto, 'contentWindow', install);
    patchGetter(proto, 'contentDocument', (doc) => {
      if (doc) install(doc.defaultView);
      return doc;
    });
  }
  patchMethod(win, 'open', (open, self, args) => install(Reflect.apply(open, self, args)));
}

installRuntime(window);
