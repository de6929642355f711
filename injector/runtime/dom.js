// URLs a page's script writes into the DOM: property setters and setAttribute for the
// attributes that make the browser load or navigate. Reads stay as the browser gives
// them (the mapped URL) for now.
'use strict';

/** Attribute (lower case) → the elements (local names) where it holds a URL. */
const URL_ATTRIBUTES = {
  src: ['img', 'script', 'iframe', 'frame', 'source', 'audio', 'video', 'track', 'embed', 'input'],
  href: ['a', 'area', 'link', 'base'],
  action: ['form'],
  formaction: ['button', 'input'],
  srcset: ['img', 'source'],
  poster: ['video'],
  data: ['object'],
};

/** Interface → the properties whose setter takes a URL. */
const URL_PROPERTIES = {
  HTMLImageElement: ['src', 'srcset'],
  HTMLScriptElement: ['src'],
  HTMLIFrameElement: ['src'],
  HTMLFrameElement: ['src'],
  HTMLSourceElement: ['src', 'srcset'],
  HTMLMediaElement: ['src'],
  HTMLTrackElement: ['src'],
  HTMLEmbedElement: ['src'],
  HTMLInputElement: ['src', 'formAction'],
  HTMLButtonElement: ['formAction'],
  HTMLAnchorElement: ['href'],
  HTMLAreaElement: ['href'],
  HTMLLinkElement: ['href'],
  HTMLBaseElement: ['href'],
  HTMLFormElement: ['action'],
  HTMLVideoElement: ['poster'],
  HTMLObjectElement: ['data'],
};

/** Maps every URL of a srcset (`url [descriptor], ...`), keeping the rest as written. */
function mapSrcset(mapUrl, value) {
  const text = String(value);
  let out = '';
  let i = 0;
  while (i < text.length) {
    // Separators and spaces before a candidate.
    const start = i;
    while (i < text.length && /[\s,]/.test(text[i])) i++;
    out += text.slice(start, i);
    // The URL runs to the next space; a trailing comma ends the candidate.
    const urlStart = i;
    while (i < text.length && !/\s/.test(text[i])) i++;
    let url = text.slice(urlStart, i);
    let tail = '';
    const commas = /,+$/.exec(url);
    if (commas) {
      tail = commas[0];
      url = url.slice(0, -tail.length);
    }
    const mapped = url && mapUrl(url);
    out += (mapped === null || !url ? url : mapped) + tail;
    if (tail) continue;
    // Descriptors up to the next comma.
    const descStart = i;
    while (i < text.length && text[i] !== ',') i++;
    out += text.slice(descStart, i);
  }
  return out;
}

/** Whether attribute `name` (lower case) of a `tag` element holds a URL. */
function holdsUrl(tag, name) {
  const tags = URL_ATTRIBUTES[name];
  return tags !== undefined && tags.includes(tag);
}

/** The value of URL attribute `name` with its absolute URLs mapped (value itself if none). */
function mapUrlValue(mapUrl, name, value) {
  if (value === null || value === undefined) return value;
  const mapped = name === 'srcset' ? mapSrcset(mapUrl, value) : mapUrl(value);
  return mapped === null ? value : mapped;
}

function patchDom(win, mapUrl) {
  const mapValue = (name, value) => mapUrlValue(mapUrl, name, value);
  const Element = win.Element;
  const nativeGet = Element.prototype.getAttribute;
  const nativeSet = Element.prototype.setAttribute;

  /** Maps the URL already in element's attribute, in place (for the safety nets). */
  function mapAttribute(element, name) {
    if (!(element instanceof Element)) return;
    const value = Reflect.apply(nativeGet, element, [name]);
    if (value === null) return;
    const mapped = mapValue(name, value);
    if (mapped !== value) Reflect.apply(nativeSet, element, [name, mapped]);
  }

  patchMethod(Element.prototype, 'setAttribute', (set, self, args) => {
    if (args.length >= 2 && self instanceof Element) {
      const name = String(args[0]).toLowerCase();
      if (holdsUrl(self.localName, name)) return Reflect.apply(set, self, [args[0], mapValue(name, args[1]), ...args.slice(2)]);
    }
    return Reflect.apply(set, self, args);
  });
  patchMethod(Element.prototype, 'setAttributeNS', (set, self, args) => {
    if (args.length >= 3 && self instanceof Element && (args[0] === null || args[0] === '')) {
      const name = String(args[1]).toLowerCase();
      if (holdsUrl(self.localName, name)) return Reflect.apply(set, self, [args[0], args[1], mapValue(name, args[2])]);
    }
    return Reflect.apply(set, self, args);
  });

  for (const [iface, properties] of Object.entries(URL_PROPERTIES)) {
    const proto = win[iface] && win[iface].prototype;
    for (const property of properties) {
      const name = property.toLowerCase();
      patchSetter(proto, property, (value) => mapValue(name, value));
    }
  }
  return mapAttribute;
}

if (typeof module === 'object' && module.exports) {
  module.exports = { mapSrcset, holdsUrl, mapUrlValue };
}
