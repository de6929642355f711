// Reading Tandem's overlay on the visitor's page (injector/runtime/overlay.js). Its
// shadow root is closed, so the page (and Playwright's selectors) cannot see into it:
// the tests look through the DevTools protocol, which shows closed roots too.

/** The overlay's contents now: `null` without one, else `{ text, buttons, cursors }`. */
export async function readOverlay(page) {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { root } = await cdp.send('DOM.getDocument', { depth: -1, pierce: true });
    const host = find(root, (n) => n.localName === 'tandem-overlay');
    if (!host) return null;
    const shadow = (host.shadowRoots || [])[0];
    const buttons = [];
    const walk = (n) => (n.localName === 'button' ? buttons.push({ nodeId: n.nodeId, text: textOf(n) }) : null);
    visit(shadow, walk);
    const cursors = [];
    visit(shadow, (n) => {
      if (attr(n, 'class') === 'cursor') cursors.push({ name: textOf(n), style: attr(n, 'style') });
    });
    const boxes = [];
    visit(shadow, (n) => (attr(n, 'class') === 'box' ? boxes.push(attr(n, 'style')) : null));
    const strokes = [];
    visit(shadow, (n) => (n.localName === 'polyline' ? strokes.push(attr(n, 'points')) : null));
    return { text: shadow ? textOf(shadow).replace(/\s+/g, ' ').trim() : '', buttons, cursors, boxes, strokes };
  } finally {
    cdp.detach().catch(() => {});
  }
}

/** Clicks the overlay's button labelled `label` with the mouse, as the visitor would. */
export async function clickOverlayButton(page, label) {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { root } = await cdp.send('DOM.getDocument', { depth: -1, pierce: true });
    const button = find(root, (n) => n.localName === 'button' && textOf(n) === label);
    if (!button) throw new Error(`no overlay button ${label}`);
    const { model } = await cdp.send('DOM.getBoxModel', { nodeId: button.nodeId });
    const [x1, y1, , , x3, y3] = model.border;
    await page.mouse.click((x1 + x3) / 2, (y1 + y3) / 2);
  } finally {
    cdp.detach().catch(() => {});
  }
}

function children(n) {
  return [...(n.children || []), ...(n.shadowRoots || []), ...(n.contentDocument ? [n.contentDocument] : [])];
}

function visit(n, fn) {
  if (!n) return;
  fn(n);
  for (const c of children(n)) visit(c, fn);
}

function find(n, test) {
  if (!n) return null;
  if (test(n)) return n;
  for (const c of children(n)) {
    const found = find(c, test);
    if (found) return found;
  }
  return null;
}

function attr(n, name) {
  const a = n.attributes || [];
  for (let i = 0; i < a.length; i += 2) if (a[i] === name) return a[i + 1];
  return null;
}

function textOf(n) {
  if (n.nodeType === 3) return n.nodeValue;
  if (n.localName === 'style') return '';
  return (n.children || []).map(textOf).join('');
}
