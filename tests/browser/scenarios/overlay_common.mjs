// Reading Tandem's overlay on the visitor's page (injector/runtime/overlay.js). Its
// shadow root is closed, so the page (and Playwright's selectors) cannot see into it:
// the tests look through the DevTools protocol, which shows closed roots too. The
// visitor's panel (the indicator, the consent prompt) is a frame of Tandem's own origin
// in it (injector/panel/), which the tests read and click as Playwright frames.

/** The visitor's panel frame in `page`, or null. */
export function panelFrame(page) {
  return page.frames().find((f) => /^https?:\/\/tandem\./.test(f.url())) || null;
}

/** The panel's text now ('' when it shows nothing or is not there). */
export async function panelText(page) {
  const frame = panelFrame(page);
  if (!frame) return '';
  try {
    return (await frame.evaluate(() => (document.body ? document.body.innerText : ''))).replace(/\s+/g, ' ').trim();
  } catch {
    return '';
  }
}

/** The overlay's contents now: `null` without one, else `{ text, cursors, boxes, strokes }`. */
export async function readOverlay(page) {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { root } = await cdp.send('DOM.getDocument', { depth: -1, pierce: true });
    const host = find(root, (n) => n.localName === 'tandem-overlay');
    if (!host) return null;
    const shadow = (host.shadowRoots || [])[0];
    const cursors = [];
    visit(shadow, (n) => {
      if (attr(n, 'class') === 'cursor') cursors.push({ name: textOf(n), style: attr(n, 'style') });
    });
    const boxes = [];
    visit(shadow, (n) => (attr(n, 'class') === 'box' ? boxes.push(attr(n, 'style')) : null));
    const strokes = [];
    visit(shadow, (n) => (n.localName === 'polyline' ? strokes.push(attr(n, 'points')) : null));
    const own = shadow ? textOf(shadow).replace(/\s+/g, ' ').trim() : '';
    const text = [own, await panelText(page)].filter(Boolean).join(' ');
    return { text, cursors, boxes, strokes };
  } finally {
    cdp.detach().catch(() => {});
  }
}

/**
 * Clicks the panel's button labelled `label` with the mouse, as the visitor would: once
 * the panel has armed it (it acts only after being seen for a moment).
 */
export async function clickOverlayButton(page, label, timeout = 15000) {
  const deadline = Date.now() + timeout;
  let frame = panelFrame(page);
  while (!frame && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    frame = panelFrame(page);
  }
  if (!frame) throw new Error(`no panel to click ${label} in`);
  await frame.getByRole('button', { name: label, exact: true }).click({ timeout: Math.max(deadline - Date.now(), 1) });
}

function children(n) {
  return [...(n.children || []), ...(n.shadowRoots || [])];
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
