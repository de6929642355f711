// The live mirror's capture (injector/PROTOCOL.md, "mirror frame"): while the session's
// top page is watched, rrweb's recorder (loaded only then) records it, and its events go
// to the relay on the presence socket (presence.js) as binary frames: one flag byte,
// then a JSON array of events, gzipped when large. Events of one task go in one frame,
// sent at once; frames keep their order. Masking happens here, before anything leaves
// the page, by the page's one masking rule (mask.js): masked text and values become `*`
// of the same length, masked images, canvases, videos and frames blank boxes of the same
// size. Tandem's own elements (`tandem-*`: the overlay) are left out of the mirror.
'use strict';

const CAPTURE_SNAPSHOT = 1;
const CAPTURE_GZIP = 2;
/** Payloads from this many bytes are gzipped. */
const CAPTURE_GZIP_FROM = 1024;
/** The pointer and scroll are sampled for live viewing: at most one every 50 ms. */
const CAPTURE_SAMPLE_MS = 50;
/** Elements whose content is not text: in a masked place they become blank boxes. */
const CAPTURE_MEDIA = 'img,picture,canvas,video,svg,iframe,object,embed';
/** Tandem's own elements (indicator, cursors): never mirrored. */
const CAPTURE_OWN_TAG = /^tandem-/;
/** rrweb's event and node types that the scrubbing below looks at. */
const RRWEB_FULL_SNAPSHOT = 2;
const RRWEB_INCREMENTAL = 3;
const RRWEB_META = 4;
const RRWEB_MUTATION = 0;
const RRWEB_INPUT = 5;
const RRWEB_ELEMENT = 2;
const RRWEB_TEXT = 3;
/** Form elements whose value is in their attributes. */
const CAPTURE_FIELDS = new Set(['input', 'textarea', 'select', 'option']);
/** Natives taken before any page script runs. */
const CAPTURE_STRINGIFY = JSON.stringify;

/** The selector of media elements that are, or are inside, a masked element. */
function captureBlockSelector(mask) {
  return `:is(${CAPTURE_MEDIA}):is(${mask}), :is(${mask}) :is(${CAPTURE_MEDIA})`;
}

/** `text` as a placeholder of the same length. */
function captureStars(text) {
  return '*'.repeat(String(text).length);
}

/** Text as rrweb masks it: every character but white space becomes `*`. */
function captureMaskText(text) {
  return String(text).replace(/\S/g, '*');
}

/**
 * Scrubs rrweb events in place before they are sent: drops Tandem's own elements from
 * snapshots and added nodes, hides the values that attributes of masked form fields
 * still carry (a `value` attribute the field no longer shows, a chosen option), and
 * masks what rrweb's own checks miss (text changed later in a shadow root inside a
 * masked element: rrweb's `closest()` stops at the shadow root). `maskedId(id)` says
 * whether the node with that mirror id is masked (mask.js's rule).
 */
function captureScrub(events, maskedId) {
  for (const event of events) {
    const data = event.data;
    if (event.type === RRWEB_FULL_SNAPSHOT) scrubNode(data.node, maskedId);
    if (event.type !== RRWEB_INCREMENTAL) continue;
    if (data.source === RRWEB_MUTATION) {
      if (data.adds) data.adds = data.adds.filter((add) => scrubNode(add.node, maskedId));
      for (const text of data.texts || []) {
        if (typeof text.value === 'string' && maskedId(text.id)) text.value = captureMaskText(text.value);
      }
    }
    if (data.source === RRWEB_INPUT && typeof data.text === 'string' && maskedId(data.id)) {
      data.text = captureStars(data.text);
    }
  }
  return events;
}

/** Scrubs a serialized node and its children; false when the node is to be left out. */
function scrubNode(node, maskedId) {
  if (!node) return true;
  if (node.type === RRWEB_ELEMENT) {
    if (CAPTURE_OWN_TAG.test(node.tagName)) return false;
    if (CAPTURE_FIELDS.has(node.tagName) && node.attributes && maskedId(node.id)) {
      if (typeof node.attributes.value === 'string') node.attributes.value = captureStars(node.attributes.value);
      delete node.attributes.selected;
      delete node.attributes.checked;
    }
  }
  if (node.type === RRWEB_TEXT && !node.isStyle && node.textContent && maskedId(node.id)) {
    node.textContent = captureMaskText(node.textContent);
  }
  if (Array.isArray(node.childNodes)) node.childNodes = node.childNodes.filter((child) => scrubNode(child, maskedId));
  return true;
}

/** A mirror frame: the flag byte, then `payload`. */
function captureFrame(flags, payload) {
  const frame = new Uint8Array(payload.length + 1);
  frame[0] = flags;
  frame.set(payload, 1);
  return frame;
}

/** The frame of `events`; `gzip(bytes)` compresses (async), used for large payloads. */
async function captureEncode(events, flags, gzip) {
  const payload = new TextEncoder().encode(CAPTURE_STRINGIFY(events));
  if (!gzip || payload.length < CAPTURE_GZIP_FROM) return captureFrame(flags, payload);
  return captureFrame(flags | CAPTURE_GZIP, await gzip(payload));
}

/** gzip with the browser's CompressionStream, or null where there is none. */
function captureGzip(win) {
  const { CompressionStream: Compression, Response: NativeResponse, Blob: NativeBlob } = win;
  if (typeof Compression !== 'function') return null;
  return async (bytes) => {
    const stream = new NativeBlob([bytes]).stream().pipeThrough(new Compression('gzip'));
    return new Uint8Array(await new NativeResponse(stream).arrayBuffer());
  };
}


/** rrweb's recorder, loaded on first use (the bundle is only parsed until then). */
let captureRecorder = null;
/** The mirror of the current recording, or null when not recording. */
let captureMirror = null;

/** The node with rrweb mirror id `id` in the current recording, or null. */
function captureNode(id) {
  return (captureMirror && captureMirror.getNode(id)) || null;
}

/** The rrweb mirror id of `node` in the current recording, or null. */
function captureIdOf(node) {
  const id = captureMirror ? captureMirror.getId(node) : -1;
  return id > 0 ? id : null;
}

/** Records `win` (the session's top page) whenever the live socket says so. */
function startCapture(win) {
  const gzip = captureGzip(win);
  let stopRecording = null;
  // Bumped at every start and stop: frames of an earlier recording are never sent.
  let generation = 0;
  let pending = [];
  let pendingFlags = 0;
  let flushTimer = null;
  let sending = Promise.resolve();
  // The natives' descriptors before this recording patched them (capture_patches.js).
  let natives = null;

  const flush = () => {
    flushTimer = null;
    if (!pending.length) return;
    const [events, flags, of] = [pending, pendingFlags, generation];
    pending = [];
    pendingFlags = 0;
    sending = sending
      .then(() => captureEncode(events, flags, gzip))
      .then((frame) => of === generation && liveSend(frame))
      .catch(reportLiveError);
  };
  const queue = (event, of, masked) => {
    if (of !== generation) return;
    captureScrub([event], masked);
    // A snapshot begins a new chain in a frame of its own.
    if (event.type === RRWEB_META) {
      flush();
      pendingFlags = CAPTURE_SNAPSHOT;
    }
    pending.push(event);
    if (flushTimer === null) flushTimer = win.setTimeout(flush, 0);
  };
  const stop = () => {
    generation += 1;
    pending = [];
    captureMirror = null;
    if (stopRecording) stopRecording();
    stopRecording = null;
  };
  const start = () => {
    if (stopRecording) return;
    generation += 1;
    const of = generation;
    captureRecorder = captureRecorder || loadRrwebRecord().record;
    const mask = maskSelector();
    const masked = (id) => isMasked(captureRecorder.mirror.getNode(id));
    captureMirror = captureRecorder.mirror;
    natives = capturePrototypeDescriptors(win);
    stopRecording =
      captureRecorder({
        emit: (event) => queue(event, of, masked),
        recordAfter: 'DOMContentLoaded',
        sampling: { mousemove: CAPTURE_SAMPLE_MS, mousemoveCallback: CAPTURE_SAMPLE_MS, scroll: CAPTURE_SAMPLE_MS },
        // Every field's value goes through maskInputFn, which masks by our rules.
        maskInputOptions: { input: true, textarea: true, 'select-one': true, 'select-multiple': true, password: true },
        maskInputFn: (text, el) => (isMasked(el) ? captureStars(text) : text),
        maskTextClass: 'tandem-mask',
        maskTextSelector: mask,
        blockSelector: captureBlockSelector(mask),
        slimDOMOptions: { script: true, comment: true },
        inlineStylesheet: true,
      }) || null;
    captureDisguisePatches(natives);
    // A page still loading is patched at DOMContentLoaded (rrweb's listener is first).
    if (win.document.readyState === 'loading') {
      win.addEventListener('DOMContentLoaded', () => captureDisguisePatches(natives), { once: true });
    }
  };

  // After mask.js has taken this hello's selectors (startMasking runs first).
  onLiveMessage('hello', (message) => {
    stop();
    if (message.capture === true) start();
  });
  onLiveMessage('session', (message) => {
    if (message.state === 'started' && message.capture === true) start();
    if (message.state === 'ended') stop();
  });
  onLiveMessage('capture', (message) => (message.on === true ? start() : stop()));
  // rrweb patches some natives again at every snapshot.
  const snapshot = () => {
    if (!stopRecording) return;
    captureRecorder.takeFullSnapshot();
    captureDisguisePatches(natives);
  };
  onLiveMessage('snapshot', snapshot);
  onLiveClosed(stop);
}

if (typeof module === 'object' && module.exports) {
  module.exports = { captureMaskText, captureBlockSelector, captureScrub, captureEncode, captureStars, CAPTURE_GZIP_FROM };
}
