// postMessage between labels: the page names real origins, the browser sees labels.
'use strict';

/**
 * Patches the window's own postMessage and `MessageEvent.origin`; returns the mapping of
 * postMessage arguments, which windows.js applies to other windows' postMessage.
 */
function patchMessages(win, mapper) {
  // postMessage(message, targetOrigin, transfer) or (message, {targetOrigin, transfer}):
  // a real origin becomes its label's, so the browser delivers it.
  const mapTarget = (target) => {
    if (typeof target !== 'string' || target === '*' || target === '/') return target;
    return mapper.mapOrigin(target) || target;
  };
  const mapArgs = (args) => {
    if (args.length < 2) return args;
    const options = args[1];
    if (options && typeof options === 'object' && 'targetOrigin' in options) {
      return [args[0], { ...options, targetOrigin: mapTarget(options.targetOrigin) }, ...args.slice(2)];
    }
    return [args[0], mapTarget(args[1]), ...args.slice(2)];
  };
  patchMethod(win, 'postMessage', (post, self, args) => Reflect.apply(post, self, mapArgs(args)));
  // A message from a label of this session says the real origin it stands for, as pages
  // check `event.origin` against the sites they trust.
  patchGetter(win.MessageEvent && win.MessageEvent.prototype, 'origin', (origin) => mapper.realOrigin(origin) || origin);
  return mapArgs;
}
