// document.cookie backed by the session's server-side jar: the browser holds no upstream
// cookie (only Tandem's HttpOnly binding cookie), so reads and writes ask the label's
// `/__tandem/cookie` (src/proxy/cookie.rs) for the page's non-HttpOnly cookies. The API
// is synchronous, so the request is too; a read is kept until the current task ends,
// so a page reading it in a loop costs one round trip. Cookies the page sets never
// reach the browser's own jar, through any document or CookieStore of the origin.
'use strict';

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
  const endpoint = (path = from.pathname) =>
    from.protocol + '//' + from.host + COOKIE_PATH + '?path=' + encodeURIComponent(path);
  function ask(method, body, path) {
    const xhr = new XHR();
    try {
      Reflect.apply(open, xhr, [method, endpoint(path), false]);
      Reflect.apply(setHeader, xhr, ['X-Tandem-Cookie', '1']);
      Reflect.apply(send, xhr, [body]);
    } catch (e) {
      return lastKnown;
    }
    return Reflect.apply(status, xhr, []) === 200 ? Reflect.apply(responseText, xhr, []) : lastKnown;
  }

  // The native accessor is never the answer for a document of this origin: on another
  // same-origin document (an about:blank frame's, reached with this window's setter) it
  // would write a real browser cookie on the zone, where a flood of them evicts the
  // binding. Such a document shares this origin's jar, as in a browser; a document
  // without a window (DOMParser, createHTMLDocument, a removed frame's) has no cookies.
  // A sandboxed window's own document (opaque origin) and anything that is not a
  // document get the native accessor, which throws without writing. (Read now: a page's
  // `var origin` would replace `window.origin`.)
  const opaque = win.origin === 'null';
  const viewOf = Object.getOwnPropertyDescriptor(Doc, 'defaultView').get;
  const NATIVE = {};
  // The page path whose cookies `self` sees, null for none, NATIVE to let the native throw.
  const pathOf = (self) => {
    if (self === win.document) return opaque ? NATIVE : from.pathname;
    let view;
    try {
      view = Reflect.apply(viewOf, self, []);
    } catch (e) {
      return NATIVE;
    }
    if (!view) return null;
    try {
      const location = view.location;
      return /^https?:$/.test(location.protocol) ? location.pathname : from.pathname;
    } catch (e) {
      return null;
    }
  };
  patchAccessor(
    Doc,
    'cookie',
    (get, self) => {
      const path = pathOf(self);
      if (path === NATIVE) return Reflect.apply(get, self, []);
      if (path === null) return '';
      if (self !== win.document) return ask('GET', null, path);
      if (cached === null) remember(ask('GET', null, path));
      return cached;
    },
    (set, self, value) => {
      const path = pathOf(self);
      if (path === NATIVE) return Reflect.apply(set, self, [value]);
      if (path === null) return;
      const text = ask('POST', String(value), path);
      if (self === win.document) remember(text);
    },
  );
  patchCookieStore(win, endpoint, () => (cached = null));
}
