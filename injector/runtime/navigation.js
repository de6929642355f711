// Navigations a page starts at run time: to an absolute URL of any web origin, they go
// to that origin's label, so the visitor never leaves the session.
'use strict';

function patchNavigation(win, mapUrl, mapAttribute) {
  const mapFirst = (args) => {
    if (!args.length || args[0] === undefined || args[0] === null) return args;
    const mapped = mapUrl(args[0]);
    return mapped === null ? args : [mapped, ...args.slice(1)];
  };

  patchMethod(win, 'open', (open, self, args) => Reflect.apply(open, self, mapFirst(args)));

  // pushState/replaceState(state, title, url): a real URL of the page's own origin
  // becomes the same path on its label; another origin's label still fails as it would
  // on the real web (SecurityError), since labels are separate origins.
  for (const name of ['pushState', 'replaceState']) {
    patchMethod(win.History && win.History.prototype, name, (method, self, args) => {
      if (args.length < 3 || args[2] === undefined || args[2] === null) return Reflect.apply(method, self, args);
      const mapped = mapUrl(args[2]);
      return Reflect.apply(method, self, mapped === null ? args : [args[0], args[1], mapped, ...args.slice(3)]);
    });
  }

  // `form.submit()` fires no submit event: map the action (and its target) first.
  patchMethod(win.HTMLFormElement && win.HTMLFormElement.prototype, 'submit', (submit, self, args) => {
    mapAttribute(self, 'action');
    return Reflect.apply(submit, self, args);
  });

  // Safety nets for URLs that reached the DOM by a route no setter saw (innerHTML,
  // Attr nodes, ...): capturing listeners on the window run before any page listener,
  // and the browser reads a link's href and a form's action only after the event.
  const onActivate = (event) => {
    const target = event.target;
    const link = target && typeof target.closest === 'function' && target.closest('a[href], area[href]');
    if (link) mapAttribute(link, 'href');
  };
  win.addEventListener('click', onActivate, true);
  win.addEventListener('auxclick', onActivate, true);
  win.addEventListener('submit', (event) => {
    mapAttribute(event.target, 'action');
    const submitter = event.submitter;
    if (submitter && submitter.hasAttribute('formaction')) mapAttribute(submitter, 'formaction');
  }, true);

  // `location.assign/replace/href=` cannot be patched (Location is unforgeable), but in
  // browsers with the Navigation API the navigation can be cancelled before any request
  // leaves, and started again at the label. POST submissions are not restarted (their
  // body would be lost): the submit listener above maps their action beforehand.
  const navigation = win.navigation;
  if (navigation && typeof navigation.addEventListener === 'function') {
    const { assign, replace } = { assign: win.location.assign, replace: win.location.replace };
    navigation.addEventListener('navigate', (event) => {
      // Downloads (downloadRequest is the file name, maybe '') stay as the link said.
      if (!event.cancelable || event.formData || typeof event.downloadRequest === 'string') return;
      if (event.navigationType !== 'push' && event.navigationType !== 'replace') return;
      const mapped = mapUrl(event.destination.url);
      if (mapped === null) return;
      event.preventDefault();
      Reflect.apply(event.navigationType === 'replace' ? replace : assign, win.location, [mapped]);
    });
  }
}
