// What a page reads about where it is. `location` is unforgeable and keeps the label, so
// values a page compares with it stay in label form too (`document.URL`, links to its
// own label); values it compares with real hosts read as real: `document.domain` (pages
// build cookie domains from it) and a referrer from another label.
'use strict';

function patchIdentity(win, mapper, from) {
  const Doc = win.Document && win.Document.prototype;
  const domain = Doc && Object.getOwnPropertyDescriptor(Doc, 'domain');
  const here = mapper.here;
  if (domain && domain.get && here) {
    const isLabel = (value) => value === from.hostname;
    patchAccessor(
      Doc,
      'domain',
      (get, self) => {
        const value = Reflect.apply(get, self, []);
        return isLabel(value) ? here.host : value;
      },
      // Relaxing to the real host or a parent of it is allowed on the real site; labels
      // cannot relax across each other, so it stays the label's own host (a no-op).
      (set, self, value) => {
        const text = String(value).toLowerCase();
        const real = text === here.host || here.host.endsWith('.' + text);
        return Reflect.apply(set, self, [real ? Reflect.apply(domain.get, self, []) : value]);
      },
    );
  }
  patchGetter(Doc, 'referrer', (value) => {
    let url;
    try {
      url = new URL(value);
    } catch (e) {
      return value;
    }
    if (url.origin === from.protocol + '//' + from.host) return value;
    const real = mapper.realOrigin(url.origin);
    return real ? real + url.pathname + url.search + url.hash : value;
  });
}
