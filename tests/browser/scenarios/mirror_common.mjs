// Helpers shared by the mirror_* scenarios (not a scenario itself).

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
