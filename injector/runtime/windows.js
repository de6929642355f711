// postMessage to another window with a real targetOrigin (`frame.contentWindow.
// postMessage(m, 'https://real')`, `parent.`, `opener.`, a popup's): a cross-origin
// window's postMessage is not the page's to patch, so the windows the page reaches
// through `contentWindow`, `parent`, `opener`, `window.open` and `MessageEvent.source`
// are handed out as one Proxy per window whose postMessage maps the target origin to
// its label; the browser still checks it against the window's actual origin.
'use strict';

function patchWindowMessages(win, mapper, from, mapPostArgs) {
  const proxies = new WeakMap();
  // Windows first handed out as they are (same-origin then) stay so: identity holds.
  const plain = new WeakSet();
  const bound = new WeakMap();
  const bind = Function.prototype.bind;
  const ownOrigin = () => from.protocol + '//' + from.host;
  const isWindow = (w) => {
    try {
      return w !== null && typeof w === 'object' && w.window === w;
    } catch (e) {
      return false;
    }
  };
  const crossOrigin = (w) => {
    try {
      return !w.document;
    } catch (e) {
      return true;
    }
  };
  /** Whether a URL the page gave (real or label form) loads outside the page's origin. */
  const leaves = (raw) => {
    if (raw === undefined || raw === null || raw === '') return false;
    try {
      const url = new URL(mapper.mapUrl(raw) || String(raw), from.href);
      return /^https?:$/.test(url.protocol) && url.origin !== ownOrigin();
    } catch (e) {
      return false;
    }
  };

  function proxyOf(target) {
    const first = Reflect.get(target, 'postMessage');
    // The window's current postMessage at each call: the window may have navigated.
    const postMessage = new Proxy(first, {
      apply(fn, self, args) {
        return Reflect.apply(Reflect.get(target, 'postMessage'), target, mapPostArgs(args));
      },
    });
    ORIGINALS.set(postMessage, ORIGINALS.get(first) || first);
    const proxy = new Proxy(target, {
      get(t, key) {
        if (key === 'postMessage') return postMessage;
        const value = Reflect.get(t, key);
        if (value === t) return proxy;
        if (key === 'parent' || key === 'opener') return wrap(value);
        // Methods run on the window itself; constructors (with a prototype) need no `this`.
        if (typeof value !== 'function' || Object.prototype.hasOwnProperty.call(value, 'prototype')) return value;
        let fn = bound.get(value);
        if (!fn) bound.set(value, (fn = Reflect.apply(bind, value, [t])));
        return fn;
      },
      set(t, key, value) {
        return Reflect.set(t, key, value);
      },
    });
    proxies.set(target, proxy);
    return proxy;
  }

  /** The window as the page is to see it; `elsewhere`: it is about to leave the origin. */
  function wrap(w, elsewhere) {
    if (w === win || !isWindow(w)) return w;
    const proxy = proxies.get(w);
    if (proxy) return proxy;
    if (plain.has(w)) return w;
    if (elsewhere || crossOrigin(w)) return proxyOf(w);
    plain.add(w);
    return w;
  }

  for (const iface of ['HTMLIFrameElement', 'HTMLFrameElement', 'HTMLObjectElement']) {
    // A frame still on its initial about:blank whose src names another origin is
    // wrapped already, so a reference kept from then works once it has loaded.
    patchGetter(win[iface] && win[iface].prototype, 'contentWindow', (child, frame) =>
      wrap(child, !frame.hasAttribute('srcdoc') && leaves(frame.src || frame.data)),
    );
  }
  for (const name of ['parent', 'opener']) {
    const owner = Object.prototype.hasOwnProperty.call(win, name) ? win : win.Window && win.Window.prototype;
    patchGetter(owner, name, (w) => wrap(w));
  }
  patchMethod(win, 'open', (open, self, args) => wrap(Reflect.apply(open, self, args), leaves(args[0])));
  patchGetter(win.MessageEvent && win.MessageEvent.prototype, 'source', (w) => wrap(w));
}
