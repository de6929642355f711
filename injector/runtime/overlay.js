// Everything Tandem shows on the visitor's page (the visitor's panel with the indicator
// and the consent prompt, the agents' cursors and marks) lives in one overlay: a host
// element on the document element (outside the page's body) with a closed shadow root,
// so the page's scripts cannot reach into it and its styles cannot reach it. The host is
// fixed, 0×0, on top of everything, and lets the pointer through; only the panel's frame
// takes clicks back. The host carries rrweb's block class: the recorder keeps an empty
// 0×0 box for it, so an agent never sees the visitor's copy of its own cursor in the
// mirror. Removing the host removes every trace.
'use strict';

const OVERLAY_TAG = 'tandem-overlay';
/** rrweb's default `blockClass`, which capture.js records with. */
const OVERLAY_BLOCK_CLASS = 'rr-block';
// Inline and !important: a page rule for the tag, or for `*`, cannot move or hide it.
const OVERLAY_HOST_STYLE = [
  'all:initial',
  'position:fixed',
  'top:0',
  'left:0',
  'width:0',
  'height:0',
  'overflow:visible',
  'z-index:2147483647',
  'pointer-events:none',
  'display:block',
]
  .map((rule) => rule + ' !important')
  .join(';');

/** window → its overlay `{host, root}`: the closed root is reachable from here only. */
const OVERLAYS = new WeakMap();
/**
 * The DOM methods the overlay is built with, taken when the runtime starts: a page
 * script that replaced one later would be handed the overlay's nodes, and through them
 * its closed root.
 */
const OVERLAY_NATIVE =
  typeof Element === 'function'
    ? {
        attachShadow: Element.prototype.attachShadow,
        createElement: Document.prototype.createElement,
        createElementNS: Document.prototype.createElementNS,
        appendChild: Node.prototype.appendChild,
        setAttribute: Element.prototype.setAttribute,
        remove: Element.prototype.remove,
        textContent: Object.getOwnPropertyDescriptor(Node.prototype, 'textContent').set,
        isConnected: Object.getOwnPropertyDescriptor(Node.prototype, 'isConnected').get,
      }
    : null;

/** Calls the native `name` on `self`. */
function overlayNative(name, self, ...args) {
  return Reflect.apply(OVERLAY_NATIVE[name], self, args);
}

/**
 * The part `name` of `win`'s overlay, a fresh container styled by `css` (rules scoped
 * to the shadow root) on first use; the overlay is created when needed.
 */
function overlayPart(win, name, css) {
  const doc = win.document;
  if (!doc.documentElement) return null;
  let overlay = OVERLAYS.get(win);
  if (!overlay || !overlayNative('isConnected', overlay.host)) {
    const host = overlayNative('createElement', doc, OVERLAY_TAG);
    overlayNative('setAttribute', host, 'class', OVERLAY_BLOCK_CLASS);
    overlayNative('setAttribute', host, 'style', OVERLAY_HOST_STYLE);
    overlay = { host, root: overlayNative('attachShadow', host, { mode: 'closed' }), parts: new Map() };
    OVERLAYS.set(win, overlay);
    overlayNative('appendChild', doc.documentElement, host);
  }
  let part = overlay.parts.get(name);
  if (!part) {
    part = overlayNative('createElement', doc, 'div');
    const style = overlayNative('createElement', doc, 'style');
    overlayNative('textContent', style, css);
    overlayNative('appendChild', part, style);
    overlayNative('appendChild', overlay.root, part);
    overlay.parts.set(name, part);
  }
  return part;
}

/** Removes the part `name` of `win`'s overlay; the host goes with its last part. */
function removeOverlayPart(win, name) {
  const overlay = OVERLAYS.get(win);
  const part = overlay && overlay.parts.get(name);
  if (!part) return;
  overlayNative('remove', part);
  overlay.parts.delete(name);
  if (!overlay.parts.size) removeOverlay(win);
}

/** Removes `win`'s overlay with every part. */
function removeOverlay(win) {
  const overlay = OVERLAYS.get(win);
  if (!overlay) return;
  OVERLAYS.delete(win);
  overlayNative('remove', overlay.host);
}
