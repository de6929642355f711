// The async `cookieStore` API backed by the session's server-side jar, in pages
// (cookie.js) and in service workers (worker_main.js), the two scopes that have it: on
// the label's `/__tandem/cookie`, never the browser's own jar.
'use strict';

const COOKIE_PATH = '/__tandem/cookie';

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
  // Any CookieStore a page can reach is of this origin (another same-origin window's
  // included): all of them are the jar's, never the browser's. Anything else is refused
  // as the native would refuse it; `onchange`'s getter checks the brand without effect.
  const onchange = Object.getOwnPropertyDescriptor(proto, 'onchange');
  const isStore = (self) => {
    if (self === win.cookieStore) return true;
    try {
      return Boolean(onchange && onchange.get) && (Reflect.apply(onchange.get, self, []), true);
    } catch (e) {
      return false;
    }
  };
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
    patchMethod(proto, name, (native, self, args) =>
      isStore(self) ? run(args) : Promise.reject(new win.TypeError('Illegal invocation')),
    );
  }
}
