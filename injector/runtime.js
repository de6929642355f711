// Tandem's in-page runtime. Loaded first in every proxied document. This first version
// only announces itself; URL interception at run time arrives with the page-runtime work.
(function () {
  'use strict';
  var marker = Symbol.for('tandem.runtime');
  if (window[marker]) return;
  Object.defineProperty(window, marker, { value: { version: 1 }, enumerable: false });
})();
