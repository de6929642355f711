// The full pdf.js viewer (npm pdfjs-dist-viewer-min) opening a multi-page PDF of the
// same site (`?file=`, a path: the viewer refuses a file of another origin by design),
// as a reader uses it: the document is parsed in pdf.js's Web Worker, read by range
// requests (the server offers them and trickles the full download), and every page is
// shown by paging with the toolbar's "next" button. Run once directly and once through
// Tandem by the same Rust test.
//
//   args: { base_url, entry_url?, viewer_path, pdf_path, absolute_file_url? }
//         base_url: the site's origin as the browser sees it (its own, or the session's
//                   label for it); entry_url: Tandem's entry link, opened first when
//                   given (it binds the browser and lands on the viewer);
//         viewer_path: the viewer's path and query; pdf_path: the PDF's path;
//         absolute_file_url: the PDF's absolute URL at the site's real host, opened last
//         with the viewer when given.
//   result: { pages_count, num_pages_label, pages: [{ number, heading, canvas_inked, text_spans }],
//             worker: { real, urls }, worker_runtime, pdf: { statuses, range_requests, ranged_206 },
//             absolute_file: { pages, error }, failed, http_errors, foreign_requests, runtime,
//             cookies: [name] }
//         worker_runtime: the version of Tandem's runtime in pdf.js's worker, or null;
//         pdf.statuses: the distinct statuses of the PDF's responses, sorted;
//         failed: requests on the site's origin that failed before the absolute file's
//         step (but for those the page cancelled); foreign_requests: URLs of requests to
//         other origins (aborted).
import { requireArgs } from './app_common.mjs';

export default async function pdfjs(page, args, ctx) {
  requireArgs('app_pdfjs', args, ['base_url', 'viewer_path', 'pdf_path']);
  // A failure names its step and the page's last console errors.
  const consoleErrors = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text().split('\n').slice(0, 3).join(' '));
  });
  const step = async (name, run) => {
    try {
      return await run();
    } catch (e) {
      throw new Error(`app_pdfjs: ${name}: ${e.message}; console errors: ${JSON.stringify(consoleErrors.slice(-5))}`);
    }
  };
  const base = new URL(args.base_url).origin;
  const isPdf = (url) => url.origin === base && url.pathname === args.pdf_path;
  const foreign = [];
  const failed = [];
  const httpErrors = [];
  const workers = [];
  const pdfResponses = [];
  page.on('worker', (worker) => workers.push(worker));
  // Requests the page cancelled (the viewer's reload, the next step's navigation, pdf.js
  // dropping its full download once ranges do) are no failure of the site or the proxy.
  let watchFailures = true;
  page.on('requestfailed', (request) => {
    const url = new URL(request.url());
    const cancelled = request.failure()?.errorText === 'net::ERR_ABORTED';
    if (watchFailures && url.origin === base && !cancelled) failed.push(url.pathname);
  });
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (url.origin === base && response.status() >= 400) httpErrors.push(`${response.status()} ${url.pathname}`);
    if (isPdf(url)) pdfResponses.push({ status: response.status(), range: response.request().headers().range || null });
  });
  // Anything for another origin is listed and refused, so that nothing leaves the machine.
  await page.route(
    (url) => url.origin !== base && (url.protocol === 'http:' || url.protocol === 'https:'),
    (route) => {
      foreign.push(route.request().url());
      return route.abort();
    },
  );

  const loaded = () => page.evaluate(() => window.PDFViewerApplication?.pdfDocument?.numPages || 0);
  await step('the document loads', () => openViewer(page, ctx, args.entry_url || `${base}${args.viewer_path}`, loaded));
  const runtime = await page.evaluate(() => {
    const marker = window[Symbol.for('tandem.runtime')];
    return marker ? marker.version : null;
  });
  const first = await page.evaluate(() => ({
    pages_count: PDFViewerApplication.pagesCount,
    num_pages_label: document.getElementById('numPages').textContent.trim(),
    real_worker: Boolean(PDFViewerApplication.pdfLoadingTask?._worker?._webWorker),
  }));

  // Page through the document with the toolbar, waiting for each page's canvas and text.
  for (let number = 1; number <= first.pages_count; number++) {
    await step(`page ${number} renders`, async () => {
      if (number > 1) await page.click('#next');
      await page.waitForSelector(`.page[data-page-number="${number}"] .canvasWrapper canvas`, { timeout: 20000 });
      await page.waitForSelector(`.page[data-page-number="${number}"] .textLayer span`, { timeout: 20000 });
    });
  }
  const pages = await page.evaluate(() =>
    [...document.querySelectorAll('#viewer .page')].map((el) => {
      const canvas = el.querySelector('.canvasWrapper canvas');
      let inked = 0;
      if (canvas && canvas.width > 0) {
        const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 0; i < pixels.length; i += 4) if (pixels[i + 3] > 0 && pixels[i] < 128) inked++;
      }
      const spans = [...el.querySelectorAll('.textLayer span')].map((s) => s.textContent).filter((t) => t.trim());
      return {
        number: Number(el.dataset.pageNumber),
        heading: spans[0] || null,
        canvas_inked: inked > 100,
        text_spans: spans.length,
      };
    }),
  );

  const workerUrls = workers.map((worker) => {
    const url = new URL(worker.url());
    return url.origin === base ? url.pathname : url.href;
  });
  // Tandem's worker part, which the server puts before a worker's script.
  const workerRuntime = workers.length
    ? await workers[0].evaluate(() => {
        const marker = self[Symbol.for('tandem.runtime')];
        return marker ? marker.version : null;
      })
    : null;
  watchFailures = false;
  const absoluteFile = args.absolute_file_url
    ? await step('the absolute file URL', () => openAbsoluteFile(page, base, args, ctx))
    : null;
  const cookies = (await ctx.cookies()).map((c) => c.name).sort();
  return {
    pages_count: first.pages_count,
    num_pages_label: first.num_pages_label,
    pages,
    worker: { real: first.real_worker, urls: workerUrls },
    worker_runtime: workerRuntime,
    pdf: {
      statuses: [...new Set(pdfResponses.map((r) => r.status))].sort(),
      range_requests: pdfResponses.filter((r) => r.range).length,
      ranged_206: pdfResponses.filter((r) => r.range && r.status === 206).length,
    },
    absolute_file: absoluteFile,
    failed,
    http_errors: httpErrors,
    foreign_requests: foreign,
    runtime,
    cookies,
  };
}

// The viewer again, given the PDF's absolute URL at the site's real host: the number of
// pages it opened, or the message of the error it reported instead.
async function openAbsoluteFile(page, base, args, ctx) {
  let error = null;
  const onConsole = (msg) => {
    const line = msg.text().split('\n').find((l) => l.startsWith('Message: '));
    if (msg.type() === 'error' && line) error = line.slice('Message: '.length);
  };
  page.on('console', onConsole);
  const viewer = args.viewer_path.split('?')[0];
  const url = `${base}${viewer}?file=${encodeURIComponent(args.absolute_file_url)}`;
  const pages = await openViewer(page, ctx, url, async () =>
    error ? -1 : page.evaluate(() => window.PDFViewerApplication?.pdfDocument?.numPages || 0),
  );
  page.off('console', onConsole);
  return error ? { pages: null, error } : { pages, error: null };
}

// Opens the viewer at `url` and waits until `settled()` gives a truthy value, which it
// returns. The viewer starts on DOMContentLoaded and throws "The `container` must be
// absolutely positioned." when viewer.css, linked after its script, has not applied yet:
// a race of the viewer's own, directly or not, on a loaded machine. The page is then
// loaded again, twice at most.
async function openViewer(page, ctx, url, settled) {
  for (let attempt = 1; ; attempt++) {
    let raced = false;
    const onError = (err) => {
      if (/must be absolutely positioned/.test(err.message)) raced = true;
    };
    page.on('pageerror', onError);
    try {
      if (attempt === 1) await page.goto(url, { waitUntil: 'load' });
      else await page.reload({ waitUntil: 'load' });
      const value = await ctx.waitFor(async () => (raced ? 'raced' : settled()), 30000);
      if (value !== 'raced') return value;
    } finally {
      page.off('pageerror', onError);
    }
    if (attempt === 3) throw new Error('the viewer lost the race with its stylesheet on three loads');
  }
}
