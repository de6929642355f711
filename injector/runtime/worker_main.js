// Start-up in a worker's global scope (dedicated, shared or service worker), where the
// server put this part before the worker's own script, or where a `blob:` worker
// imported it from `/__tandem/worker.js`. The worker maps from its origin: the label it
// was served from, or for a `blob:` worker the page's label, which the blob URL keeps.
'use strict';

/**
 * In a service worker: requests for Tandem's own paths (`/__tandem/runtime.js`, the
 * entry link, ...) never reach the site's fetch handlers, so a worker that answers
 * everything from its cache or its router cannot break the page's runtime.
 */
function guardTandemPaths(scope, zone) {
  if (typeof scope.ServiceWorkerGlobalScope !== 'function' || !(scope instanceof scope.ServiceWorkerGlobalScope)) {
    return;
  }
  const tandemPath = (event) => {
    try {
      const url = new URL(event.request.url);
      return url.pathname.startsWith('/__tandem/') && url.hostname.endsWith('.' + zone);
    } catch (e) {
      return false;
    }
  };
  // Registered first and capturing, so it runs before any listener of the site's; with
  // no `respondWith`, the browser fetches from the network (from Tandem) itself.
  scope.addEventListener(
    'fetch',
    (event) => {
      if (tandemPath(event)) event.stopImmediatePropagation();
    },
    true,
  );
}

/** In a service worker: windows it opens or navigates go to labels. */
function patchClients(scope, mapUrl) {
  const mapInput = urlArgMapper(mapUrl);
  const mapFirst = (method, self, args) =>
    Reflect.apply(method, self, args.length ? [mapInput(args[0]), ...args.slice(1)] : args);
  patchMethod(scope.Clients && scope.Clients.prototype, 'openWindow', mapFirst);
  patchMethod(scope.WindowClient && scope.WindowClient.prototype, 'navigate', mapFirst);
}

function installWorkerRuntime(scope) {
  if (scope[RUNTIME_MARKER]) return;
  Object.defineProperty(scope, RUNTIME_MARKER, { value: Object.freeze({ version: 1 }), enumerable: false });
  const from = new URL(scope.location.origin);
  const mapper = makeMapper(from);
  disguiseToString(scope);
  patchNetwork(scope, mapper.mapUrl);
  patchWorkers(scope, mapper.mapUrl, from.origin);
  patchClients(scope, mapper.mapUrl);
  // A service worker's cookies are the jar's too (and a site's worker must not write
  // real browser cookies on the zone).
  patchCookieStore(scope, () => from.origin + COOKIE_PATH + '?path=/', () => {});
  guardTandemPaths(scope, mapper.zone);
}

installWorkerRuntime(self);
