// Agents on the visitor's page: the session's top page hears, on its live socket, which
// agents watch (`agents`) and what they do (`control`), and acts (actions.js) after
// checking again, here, what the relay already checked: the agent's permissions, and
// the page's own rules (never a masked field, never a node outside this document). A
// refusal goes back to the agent as `refused`. While watched, the page shows the
// visitor's panel (panel.js: the indicator, and the consent prompt when the session asks),
// refuses every action until the visitor allows, and leaves no trace at the end.
'use strict';

/** The permission each action needs (PROTOCOL.md); `null`: every agent may. */
const CONTROL_PERMISSIONS = {
  pointer: null,
  highlight: 'allow_draw',
  draw: 'allow_draw',
  click: 'allow_click',
  scroll: 'allow_scroll',
  type: 'allow_type',
  navigate: 'allow_agent_redirect',
  console: 'allow_console',
};

/** Why `agent` (as `agents` described it) may not do `action`, or null when it may. */
function permissionRefusal(agent, action) {
  if (!agent) return 'unknown_agent';
  if (!Object.prototype.hasOwnProperty.call(CONTROL_PERMISSIONS, action)) return 'unknown_action';
  const permission = CONTROL_PERMISSIONS[action];
  // Only an explicit grant counts: a permission the page was not told of is refused.
  if (permission && !(agent.permissions && agent.permissions[permission] === true)) return 'not_permitted';
  return null;
}

/**
 * Where a `navigate` to the real `url` goes inside the session (with the page's
 * `mapper`), or null for a URL that is not a web page or is another session's.
 */
function navigationTarget(mapper, url) {
  let parsed;
  try {
    parsed = new URL(String(url));
  } catch {
    return null;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
  // Already one of this session's own addresses.
  if (mapper.realOrigin(parsed.origin)) return parsed.href;
  return mapper.mapUrl(parsed.href);
}

/** Starts the visitor's side of sessions in `win`, the session's top page. */
function startControl(win, mapper) {
  const agents = new Map();
  const marks = makeMarks(win);
  const act = makeActions(win, mapper, marks);
  const panel = makePanel(win, mapper.zone);
  let watched = false;
  // Consent, as the relay tells it (the visitor answers on the panel): 'asking' while
  // the prompt waits, 'declined' after a Decline; in both, agents do nothing. null: not
  // asked, or allowed.
  let consent = null;

  const started = (message) => {
    watched = true;
    panel.show();
    if (message.consent === 'declined') consent = 'declined';
    else if (message.ask_consent === true && message.capture !== true) consent = 'asking';
    else consent = null;
  };
  const ended = () => {
    watched = false;
    consent = null;
    agents.clear();
    marks.clear();
    panel.hide();
    removeOverlay(win);
  };

  onLiveMessage('hello', (message) => {
    if (message.in_session === true) started(message);
    else ended();
  });
  onLiveMessage('session', (message) => {
    if (message.state === 'started') started(message);
    if (message.state === 'ended') ended();
  });
  onLiveMessage('capture', (message) => {
    if (!watched) return;
    if (message.on === true) consent = null;
    else if (consent === 'asking') consent = 'declined';
  });
  onLiveMessage('agents', (message) => {
    agents.clear();
    for (const agent of Array.isArray(message.agents) ? message.agents : []) {
      if (agent && typeof agent.id === 'string') agents.set(agent.id, agent);
    }
    marks.keepCursors(new Set(agents.keys()));
  });
  onLiveMessage('control', (message) => {
    if (!watched) return;
    const agent = agents.get(message.agent);
    const refuse = (reason) =>
      liveSend({ type: 'refused', agent: message.agent, action: String(message.action), reason });
    const refusal = consent ? 'no_consent' : permissionRefusal(agent, message.action);
    if (refusal) return refuse(refusal);
    let outcome;
    try {
      outcome = act[message.action](agent, message);
    } catch {
      outcome = 'failed';
    }
    if (typeof outcome === 'string') refuse(outcome);
  });
}

if (typeof module === 'object' && module.exports) {
  module.exports = { permissionRefusal, navigationTarget, CONTROL_PERMISSIONS };
}
