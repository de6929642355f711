// Mirror frames of the agent socket (PROTOCOL.md): `seq` (u64 BE), the relay's time
// (u64 BE), then the visitor's frame: a flag byte and a JSON array of rrweb events,
// gzipped when the GZIP flag is set. Frames are decoded one after another, in order.
// A gzipped payload is inflated only up to the relay's bound (the page gives it as
// `data-max-frame`): the relay already refuses larger ones, and the viewer does not
// take its word for it.

const FRAME_SNAPSHOT = 1;
const FRAME_GZIP = 2;
const FRAME_HEADER = 16;

/** A frame whose payload inflates past the bound. */
class FrameTooLarge extends Error {}

/** The gzip `bytes` inflated, or FrameTooLarge as soon as they pass `maxBytes`. */
async function inflateBounded(bytes, maxBytes) {
  const reader = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip')).getReader();
  const parts = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return new Blob(parts);
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new FrameTooLarge(`a mirror frame inflates past ${maxBytes} bytes`);
    }
    parts.push(value);
  }
}

/** Decodes one binary frame: { seq, time, snapshot, events }; gzip up to `maxBytes`. */
async function decodeFrame(buffer, maxBytes = Infinity) {
  const view = new DataView(buffer);
  const seq = view.getBigUint64(0);
  const time = Number(view.getBigUint64(8));
  const flags = view.getUint8(FRAME_HEADER);
  const bytes = buffer.slice(FRAME_HEADER + 1);
  const payload = flags & FRAME_GZIP ? await inflateBounded(bytes, maxBytes) : new Blob([bytes]);
  const events = JSON.parse(await payload.text());
  return { seq, time, snapshot: (flags & FRAME_SNAPSHOT) !== 0, events: Array.isArray(events) ? events : [] };
}

/**
 * Follows the chain of frames: `reset(events)` on a snapshot, `apply(events)` for the
 * next frame in sequence; on a gap, or a frame that does not decode (`dropped(error)`
 * is told), `resync()` once and nothing until the next snapshot.
 */
function makeChain({ reset, apply, resync, dropped = () => {}, maxBytes = Infinity }) {
  let last = null;
  let broken = true;
  let queue = Promise.resolve();
  const take = (frame) => {
    if (frame.snapshot) {
      last = frame.seq;
      broken = false;
      reset(frame.events);
      return;
    }
    if (broken) return;
    if (last === null || frame.seq !== last + 1n) {
      broken = true;
      resync();
      return;
    }
    last = frame.seq;
    apply(frame.events);
  };
  return {
    /** Takes the next binary frame; the promise settles once it is handled. */
    push(buffer) {
      queue = queue.then(() => decodeFrame(buffer, maxBytes)).then(take, (e) => {
        console.warn('tandem: a mirror frame did not decode', e);
        dropped(e);
        if (!broken) {
          broken = true;
          resync();
        }
      });
      return queue;
    },
    /** A new socket: the relay starts again with the current chain. */
    restart() {
      last = null;
      broken = true;
    },
  };
}

if (typeof module === 'object' && module.exports) module.exports = { decodeFrame, makeChain, FrameTooLarge };
