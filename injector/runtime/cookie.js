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
  const endpoint = () => from.protocol + '//' + from.host + COOKIE_PATH + '?path=' + encodeURIComponent(from.pathname);
  function ask(method, body) {
    const xhr = new XHR();
    try {
      Reflect.apply(open, xhr, [method, endpoint(), false]);
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
  // no cookies, and sandboxed documents throw, as the native accessor says. (Read now:
  // a page's `var origin` would replace `window.origin`.)
  const opaque = win.origin === 'null';
  const ours = (self) => self === win.document && !opaque;
  patchAccessor(
    Doc,
    'cookie',
    (get, self) => (ours(self) ? (cached === null ? ask('GET', null) : cached) : Reflect.apply(get, self, [])),
    (set, self, value) => (ours(self) ? void ask('POST', String(value)) : Reflect.apply(set, self, [value])),
  );
  patchCookieStore(win, endpoint, () => (cached = null));
}

/**
 * The async `cookieStore` API on the same endpoint: names and values as
 * `document.cookie` sees them (the items carry no other attribute), writes composed as
 * `document.cookie` strings. `change` events never fire.
 */
function patchCookieStore(win, endpoint, forget) {
  const proto = win.CookieStore && win.CookieStore.prototype;
  const fetch = win.fetch && (ORIGINALS.get(win.fetch) || win.fetch);
  if (!proto || !fetch) return;
  const request = (method, body) => {
    forget();
    const init = { method, body, headers: { 'X-Tandem-Cookie': '1' }, credentials: 'same-origin' };
    return Reflect.apply(fetch, win, [endpoint(), init]).then((response) => response.text());
  };
  const items = (text) =>
    text
      .split('; ')
      .filter((pair) => pair !== '')
      .map((pair) => {
        const eq = pair.indexOf('=');
        return eq < 0 ? { name: '', value: pair } : { name: pair.slice(0, eq), value: pair.slice(eq + 1) };
      });
  // get/getAll(name) or ({name}); set(name, value) or ({name, value, ...}); delete(name) or ({name, ...}).
  const options = (args) => (args[0] !== null && typeof args[0] === 'object' ? args[0] : { name: args[0], value: args[1] });
  const write = (o, value, tail) => {
    let text = String(o.name) + '=' + value + '; Path=' + (o.path || '/');
    if (o.domain) text += '; Domain=' + o.domain;
    return request('POST', text + tail).then(() => undefined);
  };
  const ours = (self) => self === win.cookieStore;
  const all = (args) =>
    request('GET').then((text) => {
      const name = args.length ? options(args).name : undefined;
      return items(text).filter((item) => name === undefined || item.name === String(name));
    });
  const methods = {
    getAll: (args) => all(args),
    get: (args) => all(args).then((list) => list[0] || null),
    set: (args) => {
      const o = options(args);
      const expires = o.expires === undefined || o.expires === null ? '' : '; Expires=' + new Date(o.expires).toUTCString();
      return write(o, String(o.value), expires + '; SameSite=' + (o.sameSite || 'strict'));
    },
    delete: (args) => write(options(args), '', '; Max-Age=0'),
  };
  for (const [name, run] of Object.entries(methods)) {
    patchMethod(proto, name, (native, self, args) => (ours(self) ? run(args) : Reflect.apply(native, self, args)));
  }
}
