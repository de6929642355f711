// postMessage between labels: the page names real origins, the browser sees labels.
'use strict';

function patchMessages(win, mapper) {
  // postMessage(message, targetOrigin, transfer) or (message, {targetOrigin, transfer}):
  // a real origin becomes its label's, so the browser delivers it. Only calls through
  // this window's own postMessage get here (see KNOWN_LIMITS.md for other windows).
  const mapTarget = (target) => {
    if (typeof target !== 'string' || target === '*' || target === '/') return target;
    return mapper.mapOrigin(target) || target;
  };
  patchMethod(win, 'postMessage', (post, self, args) => {
    if (args.length < 2) return Reflect.apply(post, self, args);
    const options = args[1];
    if (options && typeof options === 'object' && 'targetOrigin' in options) {
      return Reflect.apply(post, self, [args[0], { ...options, targetOrigin: mapTarget(options.targetOrigin) }, ...args.slice(2)]);
    }
    return Reflect.apply(post, self, [args[0], mapTarget(args[1]), ...args.slice(2)]);
  });
  // A message from a label of this session says the real origin it stands for, as pages
  // check `event.origin` against the sites they trust.
  patchGetter(win.MessageEvent && win.MessageEvent.prototype, 'origin', (origin) => mapper.realOrigin(origin) || origin);
}
