// Requests and connections a page opens at run time: an absolute URL to any web origin
// goes to that origin's label, so the browser sends it to Tandem and the request keeps
// the page's own (label) origin, which Tandem turns back into the real one upstream.
// Relative URLs need nothing: each label keeps its upstream's paths.
'use strict';

/**
 * Maps a URL argument: a string, or anything with a URL in its string form (URL objects,
 * Location, ...). Request objects are left alone: the patched Request constructor
 * already mapped them.
 */
function urlArgMapper(mapUrl, NativeRequest) {
  return (input) => {
    if (input === undefined || input === null || (NativeRequest && input instanceof NativeRequest)) return input;
    const mapped = mapUrl(input);
    return mapped === null ? input : mapped;
  };
}

function patchNetwork(win, mapUrl) {
  const mapInput = urlArgMapper(mapUrl, win.Request);
  const mapFirst = (args) => (args.length ? [mapInput(args[0]), ...args.slice(1)] : args);

  patchMethod(win, 'fetch', (fetch, self, args) => Reflect.apply(fetch, self, mapFirst(args)));
  patchConstructor(win, 'Request', mapFirst);
  if (win.XMLHttpRequest) {
    // open(method, url, ...): the URL is the second argument.
    patchMethod(win.XMLHttpRequest.prototype, 'open', (open, self, args) =>
      Reflect.apply(open, self, args.length > 1 ? [args[0], mapInput(args[1]), ...args.slice(2)] : args),
    );
  }
  if (win.Navigator) {
    patchMethod(win.Navigator.prototype, 'sendBeacon', (send, self, args) => Reflect.apply(send, self, mapFirst(args)));
  }
  patchConstructor(win, 'EventSource', mapFirst);
  patchConstructor(win, 'WebSocket', mapFirst);
  // A redirect a service worker answers with (or any script builds) is followed as is.
  patchMethod(win.Response, 'redirect', (redirect, self, args) => Reflect.apply(redirect, self, mapFirst(args)));
}
