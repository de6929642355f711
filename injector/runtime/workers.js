// Workers a page (or a worker) starts: `Worker`, `SharedWorker`, `importScripts` and
// `navigator.serviceWorker.register` get their absolute URLs mapped to labels, like
// fetch. The server puts the worker part of the runtime (`WORKER_RUNTIME_JS`) before
// every worker script it serves, so the worker maps its own requests too. `blob:`
// workers never reach the server: their script becomes a new blob that first loads the
// worker part from `/__tandem/worker.js` on the page's label, then the page's own blob.
'use strict';

const WORKER_RUNTIME_PATH = '/__tandem/worker.js';
// Blob types a worker script can have; other blobs (images, downloads) are not kept.
const SCRIPT_BLOB = /^$|javascript|ecmascript/i;

/**
 * Patches the worker APIs of `scope` (a window or a worker's global scope) whose label
 * origin is `labelOrigin` (e.g. `http://<label>.<zone>:port`).
 */
function patchWorkers(scope, mapUrl, labelOrigin) {
  const mapInput = urlArgMapper(mapUrl);
  const wrapBlob = blobWrapper(scope, labelOrigin);
  // new Worker(url, {type, name}); new SharedWorker(url, name | options).
  const mapWorkerArgs = (args) => {
    if (!args.length) return args;
    const type = args[1] && typeof args[1] === 'object' ? args[1].type : undefined;
    const url = wrapBlob(args[0], type === 'module') || mapInput(args[0]);
    return [url, ...args.slice(1)];
  };
  patchConstructor(scope, 'Worker', mapWorkerArgs);
  patchConstructor(scope, 'SharedWorker', mapWorkerArgs);
  patchMethod(scope, 'importScripts', (importScripts, self, args) =>
    Reflect.apply(importScripts, self, args.map(mapInput)),
  );
  const container = scope.ServiceWorkerContainer && scope.ServiceWorkerContainer.prototype;
  // register(url, {scope}): the script and its scope, both on the page's label.
  patchMethod(container, 'register', (register, self, args) => {
    const options = args[1] && typeof args[1] === 'object' && 'scope' in args[1]
      ? { ...args[1], scope: mapInput(args[1].scope) }
      : args[1];
    const mapped = args.length > 1 ? [mapInput(args[0]), options, ...args.slice(2)] : args.map(mapInput);
    return Reflect.apply(register, self, mapped);
  });
  patchMethod(container, 'getRegistration', (get, self, args) => Reflect.apply(get, self, args.map(mapInput)));
}

/**
 * Remembers the script blobs `scope` turns into `blob:` URLs, and returns a function that
 * gives, for such a URL, a blob URL of the worker part followed by that blob (null for
 * any other URL). One wrapper per URL, so a SharedWorker is still shared.
 */
function blobWrapper(scope, labelOrigin) {
  const blobs = new Map();
  const wrapped = new Map();
  const NativeBlob = scope.Blob;
  const NativeURL = scope.URL;
  const createUrl = NativeURL.createObjectURL;
  patchMethod(NativeURL, 'createObjectURL', (create, self, args) => {
    const url = Reflect.apply(create, self, args);
    if (args[0] instanceof NativeBlob && SCRIPT_BLOB.test(args[0].type)) blobs.set(url, args[0]);
    return url;
  });
  // The page may revoke its URL once the worker exists: the wrapper holds the blob itself.
  patchMethod(NativeURL, 'revokeObjectURL', (revoke, self, args) => {
    blobs.delete(String(args[0]));
    return Reflect.apply(revoke, self, args);
  });
  const runtimeUrl = JSON.stringify(labelOrigin + WORKER_RUNTIME_PATH);
  return (input, module) => {
    const url = String(input);
    const key = url + (module ? ' module' : '');
    if (wrapped.has(key)) return wrapped.get(key);
    const blob = blobs.get(url);
    if (!blob) return null;
    // A module's static imports are fetched before any of its code runs; the worker
    // part comes first among its imports, so it runs before the others' code.
    const first = module ? 'import ' + runtimeUrl + ';\n' : 'importScripts(' + runtimeUrl + ');\n';
    const created = Reflect.apply(createUrl, NativeURL, [
      new NativeBlob([first, blob], { type: 'text/javascript' }),
    ]);
    wrapped.set(key, created);
    return created;
  };
}
