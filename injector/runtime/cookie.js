// document.cookie backed by the session's server-side jar: the browser holds no upstream
// cookie (only Tandem's HttpOnly binding cookie), so reads and writes ask the label's
// `/__tandem/cookie` (src/proxy/cookie.rs) for the page's non-HttpOnly cookies. The API
// is synchronous, so the request is too; a read is kept until the current task ends,
// so a page reading it in a loop costs one round trip. Cookies the page sets never
// reach the browser's own jar.
'use strict';

const COOKIE_PATH = '/__tandem/cookie';

function patchCookies(win, from) {
  const XHR = win.XMLHttpRequest;
  const Doc = win.Document && win.Document.prototype;
  if (!XHR || !Doc) return;
  // The natives, as they are before any page script (or Tandem's own patches) wraps them.
  const native = (obj, name) => ORIGINALS.get(obj[name]) || obj[name];
  const xhrProto = XHR.prototype;
  const [open, send, setHeader] = ['open', 'send', 'setRequestHeader'].map((n) => native(xhrProto, n));
  const status = Object.getOwnPropertyDescriptor(xhrProto, 'status').get;
  const responseText = Object.getOwnPropertyDescriptor(xhrProto, 'responseText').get;
  const later = native(win, 'queueMicrotask');

  let cached = null;
  // What the last answer said: reads during unload, when browsers refuse synchronous
  // requests, see it rather than nothing.
  let lastKnown = '';
  const remember = (text) => {
    if (cached === null) Reflect.apply(later, win, [() => (cached = null)]);
    cached = lastKnown = text;
  };
  function ask(method, body) {
    const xhr = new XHR();
    const endpoint = from.protocol + '//' + from.host + COOKIE_PATH + '?path=' + encodeURIComponent(from.pathname);
    try {
      Reflect.apply(open, xhr, [method, endpoint, false]);
      Reflect.apply(setHeader, xhr, ['X-Tandem-Cookie', '1']);
      Reflect.apply(send, xhr, [body]);
    } catch (e) {
      return lastKnown;
    }
    const text = Reflect.apply(status, xhr, []) === 200 ? Reflect.apply(responseText, xhr, []) : lastKnown;
    remember(text);
    return text;
  }

  // Only this window's document: other documents (DOMParser, createHTMLDocument) have
  // no cookies, and sandboxed documents throw, as the native accessor says.
  const ours = (self) => self === win.document && win.origin !== 'null';
  patchAccessor(
    Doc,
    'cookie',
    (get, self) => (ours(self) ? (cached === null ? ask('GET', null) : cached) : Reflect.apply(get, self, [])),
    (set, self, value) => (ours(self) ? void ask('POST', String(value)) : Reflect.apply(set, self, [value])),
  );
}
