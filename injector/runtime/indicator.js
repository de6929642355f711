// The visitor's indicator: while an agent watches, a small badge in a corner of the
// session's top page says so and offers to stop sharing. It is a part of Tandem's
// overlay (overlay.js: a closed shadow root outside the page's body, untouched by the
// page's styles), removed without a trace when the session ends.
'use strict';

const INDICATOR_STYLE =
  '.badge{position:fixed;right:12px;bottom:12px;pointer-events:auto;display:flex;align-items:center;gap:8px;' +
  'padding:6px 10px;border-radius:16px;background:#1f2933;color:#fff;font:13px/1.3 system-ui,sans-serif;' +
  'box-shadow:0 2px 8px rgba(0,0,0,.3)}' +
  '.badge i{width:8px;height:8px;border-radius:50%;background:#e5484d}' +
  '.badge button{all:unset;cursor:pointer;text-decoration:underline;color:#fff}';

/** Shows the indicator in `win` (once); `stop` is called when the visitor stops sharing. */
function showIndicator(win, stop) {
  const part = overlayPart(win, 'indicator', INDICATOR_STYLE);
  if (!part || part.childElementCount > 1) return;
  const doc = win.document;
  const badge = doc.createElement('div');
  badge.className = 'badge';
  badge.setAttribute('role', 'status');
  const dot = doc.createElement('i');
  const text = doc.createElement('span');
  text.textContent = 'Support is viewing this page';
  const button = doc.createElement('button');
  button.type = 'button';
  button.textContent = 'Stop sharing';
  button.addEventListener('click', stop);
  badge.append(dot, text, button);
  part.append(badge);
}

/** Removes the indicator from `win`. */
function hideIndicator(win) {
  removeOverlayPart(win, 'indicator');
}
