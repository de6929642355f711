// The viewer's frame decoding and chain following (frames.js). Run with `node --test` in
// injector/.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const zlib = require('node:zlib');
const { decodeFrame, makeChain, FrameTooLarge } = require('./frames.js');

// A frame as the relay sends it: seq, time, flag byte, JSON events or `raw` bytes
// (gzipped if asked).
function frame(seq, events, { snapshot = false, gzip = false, raw = null } = {}) {
  let payload = raw || Buffer.from(JSON.stringify(events));
  if (gzip) payload = zlib.gzipSync(payload);
  const out = Buffer.alloc(17 + payload.length);
  out.writeBigUInt64BE(BigInt(seq), 0);
  out.writeBigUInt64BE(1700000000000n, 8);
  out[16] = (snapshot ? 1 : 0) | (gzip ? 2 : 0);
  payload.copy(out, 17);
  return out.buffer.slice(out.byteOffset, out.byteOffset + out.length);
}

test('frames decode, gzipped or not', async () => {
  assert.deepEqual(await decodeFrame(frame(7, [{ type: 4 }], { snapshot: true })), {
    seq: 7n,
    time: 1700000000000,
    snapshot: true,
    events: [{ type: 4 }],
  });
  const zipped = await decodeFrame(frame(8, [{ type: 3, data: { x: 'é' } }], { gzip: true }));
  assert.deepEqual(zipped.events, [{ type: 3, data: { x: 'é' } }]);
  assert.equal(zipped.snapshot, false);
});

test('the chain waits for a snapshot, follows seq, and resyncs once on a gap', async () => {
  const seen = [];
  const chain = makeChain({
    reset: (events) => seen.push(['reset', events[0].n]),
    apply: (events) => seen.push(['apply', events[0].n]),
    resync: () => seen.push(['resync']),
  });
  chain.push(frame(1, [{ n: 1 }]));
  chain.push(frame(2, [{ n: 2 }], { snapshot: true }));
  chain.push(frame(3, [{ n: 3 }], { gzip: true }));
  chain.push(frame(5, [{ n: 5 }]));
  chain.push(frame(6, [{ n: 6 }]));
  chain.push(frame(7, [{ n: 7 }], { snapshot: true }));
  await chain.push(frame(8, [{ n: 8 }]));
  assert.deepEqual(seen, [['reset', 2], ['apply', 3], ['resync'], ['reset', 7], ['apply', 8]]);
});

test('a gzip bomb stops at the bound instead of inflating whole', async () => {
  // 64 MiB of spaces: about 64 KB of gzip.
  const bomb = frame(9, [], { gzip: true, raw: Buffer.alloc(64 * 1024 * 1024, ' ') });
  await assert.rejects(decodeFrame(bomb, 1024 * 1024), FrameTooLarge);
  const fits = frame(10, [{ n: 1 }], { gzip: true });
  assert.deepEqual((await decodeFrame(fits, 1024)).events, [{ n: 1 }]);
});

test('a frame that does not decode is told and resyncs the chain', async () => {
  const seen = [];
  const chain = makeChain({
    reset: (events) => seen.push(['reset', events[0].n]),
    apply: (events) => seen.push(['apply', events[0].n]),
    resync: () => seen.push(['resync']),
    dropped: (e) => seen.push(['dropped', e instanceof FrameTooLarge]),
    maxBytes: 4096,
  });
  chain.push(frame(1, [{ n: 1 }], { snapshot: true }));
  chain.push(frame(2, [], { gzip: true, raw: Buffer.alloc(1024 * 1024, ' ') }));
  chain.push(frame(3, [{ n: 3 }]));
  await chain.push(frame(4, [{ n: 4 }], { snapshot: true }));
  assert.deepEqual(seen, [['reset', 1], ['dropped', true], ['resync'], ['reset', 4]]);
});
