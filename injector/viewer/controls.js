// The agent's tools: its pointer over the replay (always), and, as the link's
// permissions allow, click, highlight, draw, scroll, type and navigate, sent as
// `control` messages in the visitor's viewport CSS pixels with the replay mirror's node
// ids (PROTOCOL.md). The relay checks every one again; what it refuses is shown briefly.

const POINTER_EVERY_MS = 50;
const TOOLS = { click: 'allow_click', highlight: 'allow_draw', draw: 'allow_draw' };

function makeControls({ glass, stage, send, $ }) {
  let mode = 'pointer';
  let permissions = {};
  let lastNode = null;
  let lastPointer = 0;
  let stroke = null;
  let scrolling = null;

  const allowed = (key) => permissions[key] === true;
  // The point under the agent's mouse in the visitor's viewport, and the node there.
  const at = (event) => {
    const view = stage.view();
    if (!view) return null;
    const rect = glass.getBoundingClientRect();
    const x = Math.round((event.clientX - rect.left) / view.scale);
    const y = Math.round((event.clientY - rect.top) / view.scale);
    const doc = view.iframe.contentDocument;
    const node = doc && doc.elementFromPoint(x, y);
    const id = node ? view.mirror.getId(node) : -1;
    return { x, y, node, id: id > 0 ? id : null };
  };

  const setMode = (next) => {
    if (next !== 'pointer' && !allowed(TOOLS[next])) return;
    mode = next;
    glass.dataset.mode = mode;
    for (const button of document.querySelectorAll('[data-tool]')) button.setAttribute('aria-pressed', String(button.dataset.tool === mode));
  };

  glass.addEventListener('mousemove', (event) => {
    const point = at(event);
    if (!point) return;
    if (stroke) stroke.push([point.x, point.y]);
    const now = Date.now();
    if (now - lastPointer < POINTER_EVERY_MS) return;
    lastPointer = now;
    send({ type: 'control', action: 'pointer', x: point.x, y: point.y });
    if (stroke && stroke.length > 1) send({ type: 'control', action: 'draw', points: stroke.splice(0, stroke.length - 1), done: false });
  });
  glass.addEventListener('mousedown', (event) => {
    const point = at(event);
    if (!point) return;
    if (mode === 'draw') stroke = [[point.x, point.y]];
  });
  glass.addEventListener('mouseup', () => {
    if (!stroke) return;
    send({ type: 'control', action: 'draw', points: stroke, done: true });
    stroke = null;
  });
  glass.addEventListener('click', (event) => {
    const point = at(event);
    if (!point || point.id === null) return;
    if (mode === 'click') {
      lastNode = point.id;
      send({ type: 'control', action: 'click', id: point.id, x: point.x, y: point.y });
    } else if (mode === 'highlight') {
      send({ type: 'control', action: 'highlight', id: point.id });
    }
  });
  // Wheel deltas are summed and sent as the scrolled element's (or the page's) new offset.
  glass.addEventListener(
    'wheel',
    (event) => {
      if (!allowed('allow_scroll')) return;
      const point = at(event);
      if (!point) return;
      event.preventDefault();
      const view = stage.view();
      let target = point.node;
      while (target && target.nodeType === 1 && !(target.scrollHeight > target.clientHeight + 1 && /auto|scroll/.test(getComputedStyle(target).overflowY))) {
        target = target.parentElement;
      }
      const page = !target || target.nodeType !== 1 || target === view.iframe.contentDocument.documentElement;
      const element = page ? view.iframe.contentDocument.scrollingElement : target;
      const id = page ? null : view.mirror.getId(element);
      if (!scrolling || scrolling.id !== id) scrolling = { id, x: element.scrollLeft, y: element.scrollTop, timer: null };
      scrolling.x = Math.max(0, scrolling.x + event.deltaX);
      scrolling.y = Math.max(0, scrolling.y + event.deltaY);
      if (scrolling.timer) return;
      scrolling.timer = setTimeout(() => {
        const { id: sid, x, y } = scrolling;
        scrolling.timer = null;
        send({ type: 'control', action: 'scroll', id: sid, x: Math.round(x), y: Math.round(y) });
      }, POINTER_EVERY_MS);
    },
    { passive: false },
  );

  for (const button of document.querySelectorAll('[data-tool]')) button.addEventListener('click', () => setMode(button.dataset.tool));
  $('type-form').addEventListener('submit', (event) => {
    event.preventDefault();
    if (lastNode !== null) send({ type: 'control', action: 'type', id: lastNode, value: $('type-text').value });
  });
  for (const button of document.querySelectorAll('[data-go]')) {
    button.addEventListener('click', () => send({ type: 'control', action: 'navigate', to: button.dataset.go }));
  }
  $('go-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const url = $('go-url').value.trim();
    if (url) send({ type: 'control', action: 'navigate', to: 'url', url });
  });

  let refusedTimer = null;
  return {
    /** The link's permissions: tools they refuse are hidden. */
    permit(granted) {
      permissions = granted || {};
      for (const element of document.querySelectorAll('[data-permission]')) element.hidden = !allowed(element.dataset.permission);
      if (mode !== 'pointer' && !allowed(TOOLS[mode])) setMode('pointer');
    },
    setMode,
    refused(message) {
      const box = $('refused');
      box.textContent = 'Refused: ' + message.action + (message.reason ? ' (' + message.reason + ')' : '');
      box.hidden = false;
      clearTimeout(refusedTimer);
      refusedTimer = setTimeout(() => (box.hidden = true), 4000);
    },
    /** The agents watching: a chip in each one's colour. */
    agents(list, self) {
      const box = $('agents');
      box.textContent = '';
      for (const agent of list || []) {
        const chip = document.createElement('span');
        chip.className = 'agent-chip';
        chip.style.borderColor = agent.color || '#888';
        chip.textContent = (agent.name || agent.id) + (agent.id === self ? ' (you)' : '');
        box.appendChild(chip);
      }
    },
  };
}
