// Mirror frames of the agent socket (PROTOCOL.md): `seq` (u64 BE), the relay's time
// (u64 BE), then the visitor's frame: a flag byte and a JSON array of rrweb events,
// gzipped when the GZIP flag is set. Frames are decoded one after another, in order.

const FRAME_SNAPSHOT = 1;
const FRAME_GZIP = 2;
const FRAME_HEADER = 16;

/** Decodes one binary frame: { seq, time, snapshot, events }. */
async function decodeFrame(buffer) {
  const view = new DataView(buffer);
  const seq = view.getBigUint64(0);
  const time = Number(view.getBigUint64(8));
  const flags = view.getUint8(FRAME_HEADER);
  let payload = new Blob([buffer.slice(FRAME_HEADER + 1)]);
  if (flags & FRAME_GZIP) payload = await new Response(payload.stream().pipeThrough(new DecompressionStream('gzip'))).blob();
  const events = JSON.parse(await payload.text());
  return { seq, time, snapshot: (flags & FRAME_SNAPSHOT) !== 0, events: Array.isArray(events) ? events : [] };
}

/**
 * Follows the chain of frames: `reset(events)` on a snapshot, `apply(events)` for the
 * next frame in sequence; on a gap, `resync()` once and nothing until the next snapshot.
 */
function makeChain({ reset, apply, resync }) {
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
      queue = queue.then(() => decodeFrame(buffer)).then(take, (e) => {
        console.warn('tandem: a mirror frame did not decode', e);
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

if (typeof module === 'object' && module.exports) module.exports = { decodeFrame, makeChain };
