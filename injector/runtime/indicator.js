// The visitor's indicator: while an agent watches, a small badge in a corner of the
// session's top page says so and offers to stop sharing. It lives in a shadow root on
// the document element (outside the page's body, untouched by the page's styles) and
// is removed without a trace when the session ends.
'use strict';

const INDICATOR_TAG = 'tandem-indicator';
const INDICATOR_STYLE =
  ':host{all:initial;position:fixed;z-index:2147483647;right:12px;bottom:12px}' +
  'div{display:flex;align-items:center;gap:8px;padding:6px 10px;border-radius:16px;background:#1f2933;' +
  'color:#fff;font:13px/1.3 system-ui,sans-serif;box-shadow:0 2px 8px rgba(0,0,0,.3)}' +
  'i{width:8px;height:8px;border-radius:50%;background:#e5484d}' +
  'button{all:unset;cursor:pointer;text-decoration:underline;color:#fff}';

/** Shows the indicator in `win` (once); `stop` is called when the visitor stops sharing. */
function showIndicator(win, stop) {
  const doc = win.document;
  if (!doc.documentElement || doc.querySelector(INDICATOR_TAG)) return;
  const host = doc.createElement(INDICATOR_TAG);
  const root = host.attachShadow({ mode: 'open' });
  const style = doc.createElement('style');
  style.textContent = INDICATOR_STYLE;
  const badge = doc.createElement('div');
  badge.setAttribute('role', 'status');
  const dot = doc.createElement('i');
  const text = doc.createElement('span');
  text.textContent = 'Support is viewing this page';
  const button = doc.createElement('button');
  button.type = 'button';
  button.textContent = 'Stop sharing';
  button.addEventListener('click', stop);
  badge.append(dot, text, button);
  root.append(style, badge);
  doc.documentElement.appendChild(host);
}

/** Removes the indicator from `win`. */
function hideIndicator(win) {
  for (const host of win.document.querySelectorAll(INDICATOR_TAG)) host.remove();
}
