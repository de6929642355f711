// The visitor's presence and live socket (server side: src/live/visitor_socket.rs; the
// messages: injector/PROTOCOL.md). The session's top page holds a socket to Tandem on
// its own label: while one is open the visitor is online, and each change of the page's
// address is reported so that the records (and the agent) know where the visitor is.
// Frames stay silent: their top page speaks for them. The socket is reopened with
// backoff after a drop or a restart of Tandem. Its messages are dispatched by `type` to
// the parts that registered for them (`onLiveMessage`): the mirror (capture.js), the
// visitor's side of sessions (control.js); they answer with `liveSend`.
'use strict';

const PRESENCE_PATH = '/__tandem/live';
const PRESENCE_RETRY_MIN_MS = 1000;
const PRESENCE_RETRY_MAX_MS = 30000;

/** Message type → handlers, for the one live socket of this runtime's top page. */
const LIVE_HANDLERS = new Map();
/** Handlers called when the live socket closes (dropped, or the page leaves). */
const LIVE_CLOSED_HANDLERS = [];
/** The open live socket, or null. */
let liveSocket = null;

/** Calls `handle(message)` for every live message of `type` (a text message's JSON). */
function onLiveMessage(type, handle) {
  if (!LIVE_HANDLERS.has(type)) LIVE_HANDLERS.set(type, []);
  LIVE_HANDLERS.get(type).push(handle);
}

/** Calls `handle()` whenever the live socket closes. */
function onLiveClosed(handle) {
  LIVE_CLOSED_HANDLERS.push(handle);
}

/**
 * Sends `data` on the live socket: an object is sent as JSON text, a string as is, an
 * ArrayBuffer or typed array as a binary message. Returns whether it went out.
 */
function liveSend(data) {
  if (!liveSocket || liveSocket.readyState !== 1) return false;
  liveSocket.send(typeof data === 'object' && !ArrayBuffer.isView(data) && !(data instanceof ArrayBuffer) ? JSON.stringify(data) : data);
  return true;
}

/** Hands a text message from Tandem to its handlers; other messages are ignored. */
function dispatchLive(data) {
  if (typeof data !== 'string') return;
  let message;
  try {
    message = JSON.parse(data);
  } catch {
    return;
  }
  if (!message || typeof message.type !== 'string') return;
  for (const handle of LIVE_HANDLERS.get(message.type) || []) {
    try {
      handle(message);
    } catch (e) {
      // One part's failure must not keep the message from the others.
      reportLiveError(e);
    }
  }
}

function reportLiveError(e) {
  setTimeout(() => {
    throw e;
  });
}

function liveClosed() {
  for (const handle of LIVE_CLOSED_HANDLERS) {
    try {
      handle();
    } catch (e) {
      reportLiveError(e);
    }
  }
}

/**
 * Whether `win` is the session's top page: the browser's top window, or a page whose
 * parent is outside the content zone (an integrator framing the proxy URL). A frame of
 * a session page has its parent in the zone. Without `ancestorOrigins` (Firefox) a
 * framed page cannot tell, and stays silent.
 */
function isSessionTop(win, zone) {
  if (win.parent === win) return true;
  const ancestors = win.location.ancestorOrigins;
  if (!ancestors || !ancestors.length) return false;
  let parentHost;
  try {
    parentHost = new URL(ancestors[0]).hostname;
  } catch {
    return false;
  }
  return !(parentHost === zone || parentHost.endsWith('.' + zone));
}

/** Opens the presence socket of `win` if it is the session's top page; whether it did. */
function startPresence(win, zone) {
  if (!isSessionTop(win, zone) || typeof win.WebSocket !== 'function') return false;
  const url = (win.location.protocol === 'https:' ? 'wss://' : 'ws://') + win.location.host + PRESENCE_PATH;
  let reported = null;
  let retry = PRESENCE_RETRY_MIN_MS;
  let leaving = false;
  // Only after the hello, which names the masked fields whose values an address may
  // hold; then without those values (mask.js).
  let greeted = false;
  const report = () => {
    const href = maskUrl(win.location.href);
    if (greeted && href !== reported && liveSend({ type: 'page', url: href })) reported = href;
  };
  onLiveMessage('hello', () => {
    greeted = true;
    report();
  });
  const connect = () => {
    const opened = new win.WebSocket(url);
    opened.binaryType = 'arraybuffer';
    liveSocket = opened;
    opened.onopen = () => {
      retry = PRESENCE_RETRY_MIN_MS;
      reported = null;
      greeted = false;
    };
    opened.onmessage = (event) => dispatchLive(event.data);
    opened.onclose = () => {
      if (liveSocket !== opened) return;
      liveSocket = null;
      liveClosed();
      if (leaving) return;
      // Jitter: after a restart of Tandem, its visitors do not all come back at once.
      win.setTimeout(connect, retry * (0.5 + Math.random()));
      retry = Math.min(retry * 2, PRESENCE_RETRY_MAX_MS);
    };
  };
  // pushState and replaceState change the address without an event.
  for (const name of ['pushState', 'replaceState']) {
    patchMethod(win.History && win.History.prototype, name, (original, self, args) => {
      const result = Reflect.apply(original, self, args);
      report();
      return result;
    });
  }
  win.addEventListener('popstate', report);
  win.addEventListener('hashchange', report);
  win.addEventListener('pagehide', () => {
    leaving = true;
    // Forgotten now: its close event may only come after the page is back from the
    // back-forward cache, and the page must not wait for it to reconnect.
    const closing = liveSocket;
    liveSocket = null;
    if (closing) {
      closing.close();
      liveClosed();
    }
  });
  // Back from the back-forward cache: the page is shown again without loading.
  win.addEventListener('pageshow', (event) => {
    if (!event.persisted) return;
    leaving = false;
    if (!liveSocket) connect();
  });
  connect();
  return true;
}

if (typeof module === 'object' && module.exports) {
  module.exports = { isSessionTop, onLiveMessage, dispatchLive };
}
