// The visitor's presence (server side: src/live/visitor_socket.rs). The session's top
// page holds a socket to Tandem on its own label: while one is open the visitor is
// online, and each change of the page's address is reported so that the records (and
// the agent) know where the visitor is. Frames stay silent: their top page speaks for
// them. The socket is reopened with backoff after a drop or a restart of Tandem. It
// also brings the session's starts and ends, for the indicator (indicator.js), whose
// button ends the session from here.
'use strict';

const PRESENCE_PATH = '/__tandem/live';
const PRESENCE_RETRY_MIN_MS = 1000;
const PRESENCE_RETRY_MAX_MS = 30000;

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

/** Opens the presence socket of `win` if it is the session's top page. */
function startPresence(win, zone) {
  if (!isSessionTop(win, zone) || typeof win.WebSocket !== 'function') return;
  const url = (win.location.protocol === 'https:' ? 'wss://' : 'ws://') + win.location.host + PRESENCE_PATH;
  let socket = null;
  let reported = null;
  let retry = PRESENCE_RETRY_MIN_MS;
  let leaving = false;
  const report = () => {
    const href = win.location.href;
    if (socket && socket.readyState === 1 && href !== reported) {
      reported = href;
      socket.send(JSON.stringify({ type: 'page', url: href }));
    }
  };
  const connect = () => {
    const opened = new win.WebSocket(url);
    socket = opened;
    opened.onopen = () => {
      retry = PRESENCE_RETRY_MIN_MS;
      reported = null;
      report();
    };
    opened.onmessage = (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      const watched = message.type === 'hello' ? message.in_session : message.type === 'session' ? message.state === 'started' : null;
      if (watched === true) showIndicator(win, stopSharing);
      if (watched === false) hideIndicator(win);
    };
    opened.onclose = () => {
      if (socket !== opened) return;
      socket = null;
      if (leaving) return;
      // Jitter: after a restart of Tandem, its visitors do not all come back at once.
      win.setTimeout(connect, retry * (0.5 + Math.random()));
      retry = Math.min(retry * 2, PRESENCE_RETRY_MAX_MS);
    };
  };
  const stopSharing = () => {
    if (socket && socket.readyState === 1) socket.send(JSON.stringify({ type: 'end_session' }));
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
    const closing = socket;
    socket = null;
    if (closing) closing.close();
  });
  // Back from the back-forward cache: the page is shown again without loading.
  win.addEventListener('pageshow', (event) => {
    if (!event.persisted) return;
    leaving = false;
    if (!socket) connect();
  });
  connect();
}

if (typeof module === 'object' && module.exports) {
  module.exports = { isSessionTop };
}
