// The consent prompt: when a session asks for it, the visitor is asked before any agent
// sees the page. It is a part of Tandem's overlay (overlay.js). Nothing is recorded
// while it waits: the relay turns recording on (`capture {on: true}`) after an Allow.
'use strict';

const CONSENT_STYLE =
  '.consent{position:fixed;right:12px;bottom:12px;pointer-events:auto;max-width:320px;padding:12px 14px;' +
  'border-radius:10px;background:#1f2933;color:#fff;font:13px/1.4 system-ui,sans-serif;' +
  'box-shadow:0 2px 12px rgba(0,0,0,.35)}' +
  '.consent p{margin:0 0 10px}' +
  '.consent button{all:unset;cursor:pointer;padding:4px 12px;border-radius:6px;margin-right:8px;' +
  'border:1px solid #fff}' +
  '.consent button.allow{background:#fff;color:#1f2933}';

/** Asks the visitor in `win` (once at a time); `answer(granted)` gets the reply. */
function askConsent(win, answer) {
  const part = overlayPart(win, 'consent', CONSENT_STYLE);
  if (!part || part.childElementCount > 1) return;
  const doc = win.document;
  const prompt = doc.createElement('div');
  prompt.className = 'consent';
  prompt.setAttribute('role', 'dialog');
  const text = doc.createElement('p');
  text.textContent = 'An agent wants to see this page.';
  prompt.append(text);
  for (const [label, granted] of [
    ['Allow', true],
    ['Decline', false],
  ]) {
    const button = doc.createElement('button');
    button.type = 'button';
    button.className = granted ? 'allow' : 'decline';
    button.textContent = label;
    button.addEventListener('click', () => {
      dropConsentPrompt(win);
      answer(granted);
    });
    prompt.append(button);
  }
  part.append(prompt);
}

/** Removes the prompt from `win`. */
function dropConsentPrompt(win) {
  removeOverlayPart(win, 'consent');
}
