// Helpers shared by the mirror_* scenarios (not a scenario itself): every message the
// visitor's page sends or gets on its live socket, as the browser saw it, with mirror
// frames decoded (flag byte, then JSON, gzipped when flag bit 1 is set); comparing
// screenshots.
import zlib from 'node:zlib';

export const SNAPSHOT = 1;
export const GZIP = 2;

// Starts recording the live sockets of `page` (and of the pages it navigates to).
export function recordLiveFrames(page) {
  const frames = [];
  page.on('websocket', (ws) => {
    if (!ws.url().endsWith('/__tandem/live')) return;
    const url = ws.url();
    ws.on('framesent', ({ payload }) => frames.push(decode('sent', url, payload)));
    ws.on('framereceived', ({ payload }) => frames.push(decode('received', url, payload)));
  });
  return frames;
}

function decode(direction, url, payload) {
  const at = Date.now();
  if (typeof payload === 'string') {
    let json = null;
    try {
      json = JSON.parse(payload);
    } catch {}
    return { direction, url, at, binary: false, raw: Buffer.from(payload), text: payload, json };
  }
  const raw = Buffer.from(payload);
  const flags = raw[0];
  let text = null;
  let error = null;
  let events = null;
  try {
    const body = raw.subarray(1);
    text = (flags & GZIP ? zlib.gunzipSync(body) : body).toString('utf8');
    events = JSON.parse(text);
  } catch (e) {
    error = String(e);
  }
  return { direction, url, at, binary: true, flags, raw, text, events, error };
}

// The mirror frames the page sent.
export const sentFrames = (frames) => frames.filter((f) => f.direction === 'sent' && f.binary);

// Whether `needle` is in any byte the page sent, raw or decoded; where, if so.
export function whereSent(frames, needle) {
  const where = [];
  frames.forEach((f, i) => {
    if (f.direction !== 'sent') return;
    if (f.raw.includes(Buffer.from(needle))) where.push(`frame ${i} raw`);
    if (f.text && f.text.includes(needle)) where.push(`frame ${i} decoded`);
  });
  return where;
}

// A summary of a frame for the test's report.
export const describe = (f) =>
  f.binary
    ? { binary: true, flags: f.flags, bytes: f.raw.length, events: f.events ? f.events.length : null, error: f.error }
    : { binary: false, direction: f.direction, text: f.text.slice(0, 200) };


// The share of matching pixels of two PNG screenshots: a pixel matches when each of its
// colour channels differs by at most `tolerance` (anti-aliasing and font hinting differ a
// little between a page and its rebuilt copy). Where the sizes differ, the part outside
// the smaller one counts as not matching. Decoded in `page` (a blank page of its own).
export async function pixelMatch(page, pngA, pngB, tolerance = 24) {
  return page.evaluate(
    async ({ a, b, tolerance }) => {
      const load = async (base64) => {
        const image = new Image();
        image.src = 'data:image/png;base64,' + base64;
        await image.decode();
        return image;
      };
      const [imageA, imageB] = await Promise.all([load(a), load(b)]);
      const width = Math.min(imageA.width, imageB.width);
      const height = Math.min(imageA.height, imageB.height);
      const pixels = (image) => {
        const canvas = new OffscreenCanvas(width, height);
        const context = canvas.getContext('2d');
        context.drawImage(image, 0, 0);
        return context.getImageData(0, 0, width, height).data;
      };
      const [pa, pb] = [pixels(imageA), pixels(imageB)];
      let same = 0;
      for (let i = 0; i < pa.length; i += 4) {
        if (
          Math.abs(pa[i] - pb[i]) <= tolerance &&
          Math.abs(pa[i + 1] - pb[i + 1]) <= tolerance &&
          Math.abs(pa[i + 2] - pb[i + 2]) <= tolerance
        ) {
          same += 1;
        }
      }
      const area = Math.max(imageA.width, imageB.width) * Math.max(imageA.height, imageB.height);
      return {
        share: area ? same / area : 0,
        sizes: [
          [imageA.width, imageA.height],
          [imageB.width, imageB.height],
        ],
      };
    },
    { a: pngA.toString('base64'), b: pngB.toString('base64'), tolerance },
  );
}

// The visitor's page tells a Rust test where it is by its address (`?step=NAME`,
// reported on the live socket and read from the visitor record), which changes nothing
// in the DOM.

/** Tells the test that the page reached step `name`. */
export async function signalStep(page, name) {
  await page.evaluate((step) => history.replaceState(history.state, '', location.pathname + '?step=' + step), name);
}

/** The page's markup, to compare before and after a session. */
export function markup(page) {
  return page.evaluate(() => document.documentElement.outerHTML);
}
