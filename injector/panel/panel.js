// Tandem's panel on the visitor's page (server side: src/live/panel/; the messages:
// injector/PROTOCOL.md, "Panel socket"). It runs on the panel's origin, `tandem.<zone>`,
// in a frame that the page's runtime puts in its closed overlay (injector/runtime/
// panel.js): no page script can reach into it, read it or send it a trusted click. It
// shows the consent prompt and the sharing indicator, sends the visitor's answers and
// "Stop sharing" on a socket of its own (the binding cookie goes along; the browser sets
// `Origin`), and says whether its tab is visible, which decides the page mirrored.
//
// It speaks only from a session's top page: its parent is a label of the zone and every
// further ancestor is outside it, so a frame inside a page (another label's, or one the
// page made) cannot claim a tab. A button acts only on a trusted click, once the panel
// has been really visible (not covered, transparent or transformed: Chromium's
// IntersectionObserver v2) for ARM_AFTER_MS: a page that embeds a panel under its own
// content cannot turn the visitor's click on something else into an answer.
'use strict';

const PANEL_SOCKET_PATH = '/live';
const SESSION_ID = /^[a-z2-7]{8}$/;
const SESSION_ID_LEN = 8;
const NONCE_BYTES = 24;
/** How long the panel must have been seen before its buttons act. */
const ARM_AFTER_MS = 500;
const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 30000;
/** Room around the card for its shadow, in CSS pixels, inside the frame. */
const CARD_MARGIN = 8;

/**
 * Where the panel at `location` is, from its `ancestors` (origins, nearest first):
 * `{parentOrigin, session}` when its parent is a label of the panel's own zone (same
 * scheme and port) and no further ancestor is in the zone, else null.
 */
function panelEmbedding(location, ancestors) {
  const zone = location.hostname.slice(location.hostname.indexOf('.') + 1);
  const inZone = (host) => host === zone || host.endsWith('.' + zone);
  const urls = [];
  for (const origin of ancestors) {
    try {
      urls.push(new URL(origin));
    } catch {
      // An opaque ancestor ("null"): nothing can be said of the page.
      return null;
    }
  }
  const [parent, ...further] = urls;
  if (!parent || parent.protocol !== location.protocol || parent.port !== location.port) return null;
  const host = parent.hostname;
  if (host.slice(host.indexOf('.') + 1) !== zone || host.indexOf('.') <= SESSION_ID_LEN) return null;
  const session = host.slice(0, SESSION_ID_LEN);
  if (!SESSION_ID.test(session) || further.some((url) => inZone(url.hostname))) return null;
  return { parentOrigin: parent.origin, session };
}

/**
 * The origins above `win`, nearest first: `location.ancestorOrigins` where there is one;
 * elsewhere (Firefox) only a frame of the top page can tell, its parent named by the
 * referrer (the runtime frames the panel with `referrerpolicy=origin`). Null: unknown.
 */
function panelAncestors(win) {
  if (win.parent === win) return null;
  if (win.location.ancestorOrigins) return Array.from(win.location.ancestorOrigins);
  if (win.parent === win.top && win.document.referrer) return [win.document.referrer];
  return null;
}

/** A fresh random nonce, URL-safe base64 (what the relay accepts for pairing). */
function panelNonce(win) {
  const bytes = win.crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
  return win.btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * What the panel shows after a message from Tandem, given what it showed (`'ask'`,
 * `'sharing'` or null): the same rules the page's runtime follows (control.js).
 */
function panelShows(shown, message) {
  const started = () => {
    if (message.consent === 'declined') return null;
    return message.ask_consent === true && message.capture !== true ? 'ask' : 'sharing';
  };
  switch (message.type) {
    case 'hello':
      return message.in_session === true ? started() : null;
    case 'session':
      if (message.state === 'started') return started();
      return message.state === 'ended' ? null : shown;
    case 'capture':
      // Answered in another tab of the visitor's: this prompt has its answer too.
      if (shown === null) return null;
      if (message.on === true) return 'sharing';
      return shown === 'ask' ? null : shown;
    default:
      return shown;
  }
}

/** The card shown and its buttons, armed only while really seen (see the top). */
function makePanelView(win, resize, answer) {
  const doc = win.document;
  const hasV2 = typeof win.IntersectionObserverEntry === 'function' && 'isVisible' in win.IntersectionObserverEntry.prototype;
  let card = null;
  let buttons = [];
  let intersecting = false;
  // Set by the timer, which any sight of the panel hidden cancels: it has been seen
  // throughout the last ARM_AFTER_MS.
  let armed = false;
  let armTimer = null;

  const setArmed = (on) => {
    armed = on;
    buttons.forEach((button) => (button.disabled = !on));
  };
  const seen = (visible) => {
    if (!visible || doc.visibilityState !== 'visible') {
      win.clearTimeout(armTimer);
      armTimer = null;
      setArmed(false);
    } else if (!armed && armTimer === null) {
      armTimer = win.setTimeout(() => {
        armTimer = null;
        setArmed(true);
      }, ARM_AFTER_MS);
    }
  };
  // The frame takes the card's size: measured now, and again whenever its layout
  // changes (a frame in a background tab may not lay out until the tab is shown).
  const fit = (box) => resize(box ? [Math.ceil(box.width) + 2 * CARD_MARGIN, Math.ceil(box.height) + 2 * CARD_MARGIN] : [0, 0]);
  const sizes =
    typeof win.ResizeObserver === 'function'
      ? new win.ResizeObserver(() => card && fit(card.getBoundingClientRect()))
      : null;
  const observer =
    typeof win.IntersectionObserver === 'function'
      ? new win.IntersectionObserver(
          (entries) => {
            const entry = entries[entries.length - 1];
            intersecting = entry.isIntersecting;
            seen(hasV2 ? entry.isVisible : intersecting);
          },
          { trackVisibility: true, delay: 100 },
        )
      : null;
  // Back to this tab: seen afresh (IntersectionObserver says nothing while hidden).
  doc.addEventListener('visibilitychange', () => {
    if (!card) return;
    if (!observer) return seen(true);
    if (!hasV2) return seen(intersecting);
    seen(false);
    observer.unobserve(card);
    observer.observe(card);
  });

  const button = (label, className, said) => {
    const element = doc.createElement('button');
    element.type = 'button';
    element.className = className;
    element.textContent = label;
    element.disabled = true;
    element.addEventListener('click', (event) => {
      if (event.isTrusted && armed) answer(said);
    });
    buttons.push(element);
    return element;
  };
  const build = (what) => {
    const element = doc.createElement('div');
    const text = doc.createElement('p');
    if (what === 'ask') {
      element.className = 'card consent';
      element.setAttribute('role', 'dialog');
      text.textContent = 'An agent wants to see this page.';
      const choices = doc.createElement('div');
      choices.append(
        button('Allow', 'allow', { type: 'consent', granted: true }),
        button('Decline', 'decline', { type: 'consent', granted: false }),
      );
      element.append(text, choices);
    } else {
      element.className = 'card badge';
      element.setAttribute('role', 'status');
      const dot = doc.createElement('i');
      text.textContent = 'Support is viewing this page';
      element.append(dot, text, button('Stop sharing', 'stop', { type: 'end_session' }));
    }
    return element;
  };

  return function show(what) {
    if (card) {
      if (observer) observer.unobserve(card);
      if (sizes) sizes.unobserve(card);
      card.remove();
    }
    card = null;
    buttons = [];
    win.clearTimeout(armTimer);
    armTimer = null;
    armed = false;
    intersecting = false;
    if (!what) return fit(null);
    card = build(what);
    card.style.margin = CARD_MARGIN + 'px';
    doc.body.append(card);
    if (observer) observer.observe(card);
    else seen(true);
    if (sizes) sizes.observe(card);
    fit(card.getBoundingClientRect());
  };
}

/** Runs the panel in `win`, if it is where it may speak (see the top). */
function startPanel(win) {
  const ancestors = panelAncestors(win);
  const embedding = ancestors && panelEmbedding(win.location, ancestors);
  if (!embedding) return false;
  const nonce = panelNonce(win);
  const tellParent = (message) => win.parent.postMessage({ tandem: 'panel', ...message }, embedding.parentOrigin);
  const url =
    (win.location.protocol === 'https:' ? 'wss://' : 'ws://') +
    win.location.host +
    PANEL_SOCKET_PATH +
    `?session=${embedding.session}&pair=${nonce}`;
  let socket = null;
  let retry = RETRY_MIN_MS;
  let shown = null;
  const send = (message) => socket && socket.readyState === 1 && socket.send(JSON.stringify(message));
  const show = makePanelView(win, (size) => tellParent({ size }), send);
  const showing = (what) => {
    if (what !== shown) show(what);
    shown = what;
  };
  const reportVisibility = () => send({ type: 'visible', visible: win.document.visibilityState === 'visible' });
  const connect = () => {
    const opened = new win.WebSocket(url);
    socket = opened;
    opened.onopen = () => {
      retry = RETRY_MIN_MS;
      reportVisibility();
    };
    opened.onmessage = (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (message && typeof message.type === 'string') showing(panelShows(shown, message));
    };
    opened.onclose = () => {
      if (socket !== opened) return;
      socket = null;
      // Nothing to answer with until the socket is back and says again.
      showing(null);
      win.setTimeout(connect, retry * (0.5 + Math.random()));
      retry = Math.min(retry * 2, RETRY_MAX_MS);
    };
  };
  win.document.addEventListener('visibilitychange', reportVisibility);
  // The nonce goes to the parent page only: its runtime pairs its presence socket with it.
  tellParent({ pair: nonce });
  connect();
  return true;
}

if (typeof module === 'object' && module.exports) {
  module.exports = { panelEmbedding, panelShows };
} else {
  startPanel(window);
}
