// The viewer's start: the agent socket (reconnecting with backoff to the same `/live`
// while the session goes on), the status line, the visitor's browser and device, the
// End button, zoom, branding, and the embedding page's `postMessage` control.
//
// Embedding (branding `naked: "page_only"`): the parent may post `{type: 'tandem:end'}`,
// `{type: 'tandem:zoom', zoom: 'fit' | 'in' | 'out' | <scale>}` and
// `{type: 'tandem:mode', mode}`; the viewer posts `{type: 'tandem:status', state, text}`
// and `{type: 'tandem:ended', reason}` to it.

const $ = (id) => document.getElementById(id);
const socketUrl = location.href.replace(/^http/, 'ws').replace(/[?#].*$/, '') + '/live';
const assetBase = location.pathname.replace(/\/$/, '') + '/asset/';
const rewriteUrls = makeAssetRewriter(document.documentElement.dataset.contentOrigin, assetBase);
let socket = null;
let ended = false;
let onEndUrl = null;
let delay = 500;
let online = true;
let live = false;
let agentId = null;
let embedded = false;

const toParent = (message) => {
  if (embedded && window.parent !== window) window.parent.postMessage(message, '*');
};
const show = (state, text) => {
  $('status').dataset.state = state;
  $('status').textContent = text;
  toParent({ type: 'tandem:status', state, text });
};
// Where the visitor's consent stands, in sessions that ask: null, 'asked', 'granted', 'declined'.
let consent = null;
const CONSENT_NOTICES = { asked: 'Asking the visitor to share…', declined: 'The visitor declined sharing.' };
// Set when a frame of the page could not be shown (the relay refused it, or it did not
// decode here): the copy is behind until the next snapshot.
let stale = null;
const STALE_NOTICE = "Part of the visitor's page could not be shown; waiting for a fresh copy…";
const showConnected = () => {
  const asked = online && CONSENT_NOTICES[consent];
  const notice = asked || (online && live && stale) || null;
  if (!online) show('offline', 'Visitor offline');
  else if (asked) show('consent', asked);
  else if (notice) show('stale', notice);
  else show('connected', live ? 'Live' : "Waiting for the visitor's page");
  $('notice').hidden = live && online && !notice;
  $('notice').textContent = online ? notice || "Waiting for the visitor's page…" : 'The visitor is offline.';
};
const showStale = () => {
  stale = STALE_NOTICE;
  showConnected();
};
const showConsent = (state) => {
  consent = state || null;
  showConnected();
};

const stage = makeStage($('frame'), $('area'), ({ scale }) => {
  $('zoom-level').textContent = Math.round(scale * 100) + '%';
});
const send = (message) => {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
};
const chain = makeChain({
  maxBytes: Number(document.documentElement.dataset.maxFrame) || Infinity,
  reset(events) {
    events.forEach(rewriteUrls);
    stage.reset(events);
    live = true;
    stale = null;
    showConnected();
  },
  apply(events) {
    events.forEach(rewriteUrls);
    stage.apply(events);
  },
  resync: () => send({ type: 'resync' }),
  dropped: showStale,
});
const controls = makeControls({ glass: $('glass'), stage, send, $ });

function endedBy(reason) {
  ended = true;
  show('ended', 'Session ended' + (reason ? ' (' + reason + ')' : ''));
  toParent({ type: 'tandem:ended', reason });
  $('end').disabled = true;
  if (onEndUrl) location.href = onEndUrl;
  else window.close();
}

function brand(branding) {
  onEndUrl = (branding && branding.on_end_url) || null;
  const naked = branding && branding.naked;
  document.body.dataset.naked = naked === 'page_only' ? 'page_only' : naked === true ? 'naked' : 'no';
  embedded = naked === 'page_only';
}

function showVisitor(visitor) {
  $('url').textContent = visitor.url || '—';
  $('browser').textContent = [visitor.browser_name, visitor.device_type].filter(Boolean).join(', ') || '—';
  online = visitor.is_online !== false;
  if (!online) live = false;
  showConnected();
}

function connect() {
  socket = new WebSocket(socketUrl);
  socket.binaryType = 'arraybuffer';
  chain.restart();
  socket.onopen = () => {
    delay = 500;
  };
  socket.onmessage = (event) => {
    // The end is final: a frame or status the relay sent before it must not bring the
    // replay or the status line ("Live") back.
    if (ended) return;
    if (typeof event.data !== 'string') {
      chain.push(event.data);
      return;
    }
    const message = JSON.parse(event.data);
    switch (message.type) {
      case 'hello':
        brand(message.branding);
        agentId = message.agent.id;
        $('agent').textContent = message.agent.name || message.agent.id;
        $('visitor').textContent = message.visitor.short_id;
        controls.permit(message.permissions);
        showVisitor(message.visitor);
        showConsent(message.consent);
        break;
      case 'visitor':
        showVisitor(message.visitor);
        break;
      case 'agents':
        controls.agents(message.agents, agentId);
        break;
      case 'refused':
        controls.refused(message);
        break;
      case 'consent':
        showConsent(message.state);
        break;
      case 'frame_dropped':
        showStale();
        break;
      case 'ended':
        endedBy(message.reason);
        break;
    }
  };
  socket.onclose = (event) => {
    if (ended) return;
    if (event.code === 4403 || event.code === 4410) {
      endedBy(event.reason);
      return;
    }
    show('reconnecting', 'Reconnecting…');
    setTimeout(connect, delay);
    delay = Math.min(delay * 2, 10000);
  };
}

$('end').addEventListener('click', () => send({ type: 'end_session' }));
for (const button of document.querySelectorAll('[data-zoom]')) button.addEventListener('click', () => stage.zoom(button.dataset.zoom));
addEventListener('message', (event) => {
  if (!embedded || event.source !== window.parent || !event.data) return;
  const message = event.data;
  if (message.type === 'tandem:end') send({ type: 'end_session' });
  if (message.type === 'tandem:zoom') stage.zoom(message.zoom);
  if (message.type === 'tandem:mode') controls.setMode(message.mode);
});
connect();
