// The live mirror's capture (injector/PROTOCOL.md, "mirror frame"): while the session's
// top page is watched, rrweb's recorder (loaded only then) records it, and its events go
// to the relay on the presence socket (presence.js) as binary frames: one flag byte,
// then a JSON array of events, gzipped when large. Events of one task go in one frame,
// sent at once; frames keep their order. Masking happens before anything leaves the
// page, by the page's one masking rule (mask.js): every event goes through
// capture_scrub.js; rrweb's own options follow the same rule on the way (masked text
// and values as `*` of the same length, masked images, canvases, videos and frames as
// blank boxes of the same size).
'use strict';

const CAPTURE_SNAPSHOT = 1;
const CAPTURE_GZIP = 2;
/** Payloads from this many bytes are gzipped. */
const CAPTURE_GZIP_FROM = 1024;
/** The pointer and scroll are sampled for live viewing: at most one every 50 ms. */
const CAPTURE_SAMPLE_MS = 50;
/** Elements whose content is not text: in a masked place they become blank boxes. */
const CAPTURE_MEDIA = 'img,picture,canvas,video,svg,iframe,object,embed';
/** Natives taken before any page script runs. */
const CAPTURE_STRINGIFY = JSON.stringify;

/** The selector of media elements that are, or are inside, a masked element. */
function captureBlockSelector(mask) {
  return `:is(${CAPTURE_MEDIA}):is(${mask}), :is(${mask}) :is(${CAPTURE_MEDIA})`;
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
  const queue = (event, of, rule) => {
    if (of !== generation) return;
    for (const scrubbed of captureScrub([event], rule)) {
      // A snapshot begins a new chain in a frame of its own.
      if (scrubbed.type === RRWEB_TYPE.meta) {
        flush();
        pendingFlags = CAPTURE_SNAPSHOT;
      }
      pending.push(scrubbed);
    }
    if (pending.length && flushTimer === null) flushTimer = win.setTimeout(flush, 0);
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
    const mirror = captureRecorder.mirror;
    // The masking rule by mirror id, for capture_scrub.js.
    const rule = {
      known: (id) => Boolean(mirror.getNode(id)),
      masked: (id) => isMasked(mirror.getNode(id)),
      inStyle: (id) => {
        const node = mirror.getNode(id);
        return Boolean(node && node.parentNode && node.parentNode.localName === 'style');
      },
      maskedStyles: new Set(),
    };
    captureMirror = mirror;
    natives = capturePrototypeDescriptors(win);
    stopRecording =
      captureRecorder({
        emit: (event) => queue(event, of, rule),
        recordAfter: 'DOMContentLoaded',
        sampling: { mousemove: CAPTURE_SAMPLE_MS, mousemoveCallback: CAPTURE_SAMPLE_MS, scroll: CAPTURE_SAMPLE_MS },
        // Every field's value goes through maskInputFn, which masks by our rules.
        maskInputOptions: { input: true, textarea: true, 'select-one': true, 'select-multiple': true, password: true },
        maskInputFn: (text, el) => (isMasked(el) ? maskStars(text) : text),
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
  // Back to this tab: the relay follows the page that sent the latest snapshot.
  win.document.addEventListener('visibilitychange', () => {
    if (win.document.visibilityState === 'visible') snapshot();
  });
}

if (typeof module === 'object' && module.exports) {
  module.exports = { captureBlockSelector, captureEncode, CAPTURE_GZIP_FROM };
}
