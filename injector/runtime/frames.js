// Same-origin windows without a label of their own: `about:blank` frames, `srcdoc`
// frames and `window.open()` popups. They get the runtime, mapped from their parent's
// (or opener's) label, as soon as the page can reach them: when a frame is inserted
// (its initial window is at once `frames[i]`, `window[name]`), when the page reads
// `contentWindow`/`contentDocument`, and in the window `open` returns.
'use strict';

const FRAME_SELECTOR = 'iframe,frame';
/** Markup that may hold a frame: only then is the tree searched after it is parsed. */
const FRAME_MARKUP = /<i?frame/i;

/** Whether `node` is an element or a fragment (what insertion methods insert besides text). */
function isTree(node) {
  return typeof node === 'object' && node !== null && (node.nodeType === 1 || node.nodeType === 11);
}

/** The frames `nodes` are or hold, looked up before insertion (a fragment empties); null if none. */
function framesIn(nodes) {
  let found = null;
  for (const node of nodes) {
    if (!isTree(node)) continue;
    if (node.localName === 'iframe' || node.localName === 'frame') (found || (found = [])).push(node);
    else if (node.firstElementChild) {
      const inner = node.querySelectorAll(FRAME_SELECTOR);
      if (inner.length) (found || (found = [])).push(...inner);
    }
  }
  return found;
}

/** The location whose label `win` maps from: its own, or the parent's for `about:` windows. */
function labelLocation(win) {
  let current = win;
  for (let hops = 0; hops < 16 && current; hops++) {
    try {
      if (current.location.protocol !== 'about:') return current.location;
      const next = current.parent !== current ? current.parent : current.opener;
      if (!next || next === current) break;
      current = next;
    } catch (e) {
      break;
    }
  }
  return win.location;
}

function patchWindows(win, location) {
  // The page gets its window whatever happens to the runtime there.
  const install = (child) => {
    try {
      if (child && child !== win) installRuntime(child, location);
    } catch (e) {
      // A window closing under us: nothing to patch.
    }
    return child;
  };
  for (const iface of ['HTMLIFrameElement', 'HTMLFrameElement', 'HTMLObjectElement']) {
    const proto = win[iface] && win[iface].prototype;
    patchGetter(proto, 'contentWindow', install);
    patchGetter(proto, 'contentDocument', (doc) => {
      if (doc) install(doc.defaultView);
      return doc;
    });
  }
  patchMethod(win, 'open', (open, self, args) => install(Reflect.apply(open, self, args)));

  // A frame gets its window as it is connected: the runtime goes in right after the
  // insertion, before the page's next statement. Frames that are not connected (in a
  // detached tree) have no window yet; they are found when their tree is inserted.
  const installAll = (frames) => {
    if (frames) for (const frame of frames) install(frame.contentWindow);
  };
  const inserting = (pick) => (method, self, args) => {
    const frames = framesIn(pick(args));
    const result = Reflect.apply(method, self, args);
    installAll(frames);
    return result;
  };
  const first = (args) => args.slice(0, 1);
  const all = (args) => args;
  const Node = win.Node.prototype;
  for (const name of ['appendChild', 'insertBefore', 'replaceChild']) patchMethod(Node, name, inserting(first));
  patchMethod(win.Element.prototype, 'insertAdjacentElement', inserting((args) => args.slice(1, 2)));
  for (const name of ['insertNode', 'surroundContents']) patchMethod(win.Range && win.Range.prototype, name, inserting(first));
  for (const proto of [win.Element.prototype, win.Document.prototype]) {
    for (const name of ['append', 'prepend', 'replaceChildren']) patchMethod(proto, name, inserting(all));
  }
  for (const proto of [win.Element.prototype, win.CharacterData.prototype, win.DocumentType.prototype]) {
    for (const name of ['after', 'before', 'replaceWith']) patchMethod(proto, name, inserting(all));
  }

  // Markup: the frames it made are searched for where it landed (the parent, for
  // outerHTML and insertAdjacentHTML), only when it may hold one.
  const parsing = (method, self, args) => {
    const root = self.parentNode || self;
    const result = Reflect.apply(method, self, args);
    if (args.some((arg) => FRAME_MARKUP.test(String(arg)))) installAll(root.querySelectorAll(FRAME_SELECTOR));
    return result;
  };
  const Element = win.Element.prototype;
  const ShadowRoot = win.ShadowRoot && win.ShadowRoot.prototype;
  const parsingSetter = (set, self, value) => parsing(set, self, [value]);
  for (const proto of [Element, ShadowRoot]) {
    patchAccessor(proto, 'innerHTML', null, parsingSetter);
    patchMethod(proto, 'setHTMLUnsafe', parsing);
  }
  patchAccessor(Element, 'outerHTML', null, parsingSetter);
  patchMethod(Element, 'insertAdjacentHTML', parsing);
  for (const name of ['write', 'writeln']) patchMethod(win.Document.prototype, name, parsing);
}
