// The visitor's panel on the session's top page. What only the visitor decides (consent,
// "Stop sharing") lives in a frame of Tandem's own origin, `tandem.<zone>` (the panel:
// injector/panel/; its socket: src/live/panel/), which no page script can reach into.
// The runtime only embeds it in its closed overlay (overlay.js) while a session goes on,
// sizes the frame as the panel asks, and pairs its presence socket with it: the panel
// gives its parent a random nonce, which the runtime says on the presence socket (`pair`),
// so that the relay knows which page is in the tab the panel sees.
//
// The panel's messages are the runtime's alone: its listener is the first on the window
// (the runtime runs before any page script), checks the sender with natives taken before
// any page script could replace them, and keeps the messages from the page's listeners.
// The frame is made with the overlay's natives (overlay.js).
'use strict';

const PANEL_NAME = 'tandem';
/** The largest frame the panel may ask for, in CSS pixels. */
const PANEL_MAX_SIZE = 400;
const PANEL_STYLE =
  'iframe{position:fixed;right:4px;bottom:4px;width:0;height:0;border:0;margin:0;padding:0;' +
  'background:transparent;color-scheme:normal;pointer-events:auto;z-index:1}';
/** Natives as they are when the runtime starts, before any page script. */
const PANEL_NATIVE =
  typeof HTMLIFrameElement === 'function'
    ? {
        addEventListener: EventTarget.prototype.addEventListener,
        stopImmediatePropagation: Event.prototype.stopImmediatePropagation,
        source: Object.getOwnPropertyDescriptor(MessageEvent.prototype, 'source').get,
        origin: Object.getOwnPropertyDescriptor(MessageEvent.prototype, 'origin').get,
        data: Object.getOwnPropertyDescriptor(MessageEvent.prototype, 'data').get,
        contentWindow: Object.getOwnPropertyDescriptor(HTMLIFrameElement.prototype, 'contentWindow').get,
      }
    : null;

/** `[width, height]` the panel asked for, bounded, or null when it is not that. */
function panelSize(size) {
  if (!Array.isArray(size) || size.length !== 2) return null;
  const bounded = size.map((n) => (typeof n === 'number' && Number.isFinite(n) ? Math.min(Math.max(n, 0), PANEL_MAX_SIZE) : NaN));
  return bounded.some(Number.isNaN) ? null : bounded;
}

/** The panel of `win`, the session's top page in the content `zone`: `{show, hide}`. */
function makePanel(win, zone) {
  const native = (name, self, ...args) => Reflect.apply(PANEL_NATIVE[name], self, args);
  const location = win.location;
  const origin = location.protocol + '//' + PANEL_NAME + '.' + zone + (location.port ? ':' + location.port : '');
  let frame = null;
  let nonce = null;
  const pair = () => nonce && liveSend({ type: 'pair', nonce });

  const heard = (event) => {
    if (!frame || native('origin', event) !== origin || native('source', event) !== native('contentWindow', frame)) {
      return;
    }
    native('stopImmediatePropagation', event);
    const data = native('data', event);
    if (!data || data.tandem !== 'panel') return;
    if (typeof data.pair === 'string') {
      nonce = data.pair;
      pair();
    }
    const size = panelSize(data.size);
    if (size) overlayNative('setAttribute', frame, 'style', `width:${size[0]}px !important;height:${size[1]}px !important`);
  };
  native('addEventListener', win, 'message', heard, true);
  // A presence socket opened again says its panel again.
  onLiveMessage('hello', pair);

  return {
    show() {
      if (frame && overlayNative('isConnected', frame)) return;
      const part = overlayPart(win, 'panel', PANEL_STYLE);
      if (!part) return;
      frame = overlayNative('createElement', win.document, 'iframe');
      overlayNative('setAttribute', frame, 'title', 'Co-browsing');
      // The panel names its parent by the referrer where the browser has no ancestorOrigins.
      overlayNative('setAttribute', frame, 'referrerpolicy', 'origin');
      overlayNative('setAttribute', frame, 'src', origin + '/');
      overlayNative('appendChild', part, frame);
    },
    hide() {
      removeOverlayPart(win, 'panel');
      frame = null;
      nonce = null;
    },
  };
}

if (typeof module === 'object' && module.exports) {
  module.exports = { panelSize };
}
