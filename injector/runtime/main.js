// Start-up: runs once per document, after the parts above have defined their functions.
// Everything it needs comes from `location`: the label's first 8 characters are the
// session id, the zone is the host minus the label, scheme and port are the zone's.
// A same-origin window with no label of its own (an `about:blank` or `srcdoc` frame, a
// `window.open()` popup) gets the same runtime, mapped from its parent's (or opener's)
// label, as soon as the page can reach it (frames.js).
'use strict';

/** Installs the runtime into `win` (idempotent); a cross-origin window is left alone. */
function installRuntime(win, location) {
  let installed;
  try {
    installed = win && win[RUNTIME_MARKER];
    if (!win) return;
  } catch (e) {
    return;
  }
  if (installed) {
    // A frame's initial window is reused when it loads a page of the same origin: its
    // patches stay, but the safety net and the masking watch must see the new document.
    if (typeof installed.watch === 'function') installed.watch(win.document);
    return;
  }
  // Marked first, so that a window is never patched twice. Non-enumerable and keyed by
  // a symbol: the page's own globals look as they did.
  let watch = () => {};
  // `mask`: the masking memory (mask.js), which frames of the same origin share.
  const marker = { version: 1, watch: (doc) => watch(doc), mask: maskMemory };
  Object.defineProperty(win, RUNTIME_MARKER, { value: Object.freeze(marker), enumerable: false });
  // First: fields are watched before any page script can touch them.
  const watchMasked = watchMasking(win);
  const from = location || labelLocation(win);
  const mapper = makeMapper(from);
  disguiseToString(win);
  // The mapper that also gives module imports the prefix map of each origin it maps to.
  const mapUrl = patchModules(win, mapper, from);
  patchNetwork(win, mapUrl);
  patchWorkers(win, mapUrl, from.protocol + '//' + from.host);
  const mapAttribute = patchDom(win, mapUrl);
  patchCss(win, mapUrl);
  const watchHtml = patchHtml(win, mapUrl, mapAttribute);
  watch = (doc) => {
    watchHtml(doc);
    watchMasked(doc);
  };
  patchNavigation(win, mapUrl, mapAttribute);
  const mapPostArgs = patchMessages(win, mapper);
  patchCookies(win, from);
  patchIdentity(win, mapper, from);
  patchWindows(win, from);
  // Last: it wraps the windows patchWindows installs the runtime in.
  patchWindowMessages(win, mapper, from, mapPostArgs);
}

// A frame of the same origin remembers fields in its parent's masking memory.
adoptMaskMemory(window);
installRuntime(window);
const topMapper = makeMapper(window.location);
// Masking first: its hello handler sets the rules before any other part acts on a hello.
if (isSessionTop(window, topMapper.zone)) startMasking(window);
if (startPresence(window, topMapper.zone)) {
  startControl(window, topMapper);
  startCapture(window);
}
