// swagger-ui and redoc, each rendering an OpenAPI spec that its page fetches at run time
// from an absolute URL of the site's real host (given in ?spec=, so Tandem's HTML
// rewriter never sees it: through Tandem, the runtime's fetch mapping must send it to the
// site's label). Run once directly and once through Tandem by the same Rust test.
//
//   args: { base_url, entry_url?, spec_url }
//         base_url: the site's origin as the browser sees it (its own, or the session's
//                   label for it); entry_url: Tandem's entry link, opened first when
//                   given (it binds the browser and lands on the swagger-ui page);
//         spec_url: the spec's absolute URL at the site's real host.
//   result: { swagger: { title, paths, operation_ids, spec }, redoc: { title,
//             operation_ids, summaries, spec }, foreign_requests, runtime, cookies: [name] }
//         spec: { path, status } of the spec request the page made (on base_url's origin);
//         foreign_requests: URLs of requests to other origins (aborted).
export default async function openapi(page, args, ctx) {
  for (const key of ['base_url', 'spec_url']) {
    if (!args[key]) throw new Error(`app_openapi: args.${key} is required`);
  }
  const base = new URL(args.base_url).origin;
  const foreign = [];
  let specs = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return;
    if (url.origin !== base) foreign.push(url.href);
  });
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (url.pathname === '/openapi.json') {
      specs.push({ path: url.origin === base ? url.pathname : url.href, status: response.status() });
    }
  });
  // Requests to other origins (redoc's footer logo on cdn.redoc.ly) are listed and
  // refused by the browser, so that nothing leaves the machine.
  await page.route(
    (url) => url.origin !== base && (url.protocol === 'http:' || url.protocol === 'https:'),
    (route) => route.abort(),
  );
  const query = `?spec=${encodeURIComponent(args.spec_url)}`;

  // 1. swagger-ui.
  await page.goto(args.entry_url || `${base}/swagger.html${query}`, { waitUntil: 'load' });
  const runtime = await page.evaluate(() => {
    const marker = window[Symbol.for('tandem.runtime')];
    return marker ? marker.version : null;
  });
  await page.waitForSelector('.opblock .opblock-summary-path', { timeout: 20000 });
  const swagger = await page.evaluate(() => ({
    title: document.querySelector('.info .title').firstChild.textContent.trim(),
    paths: [...document.querySelectorAll('.opblock .opblock-summary-path')].map((e) => e.textContent.trim()),
    operation_ids: [...document.querySelectorAll('.opblock .opblock-summary-operation-id')].map((e) =>
      e.textContent.trim(),
    ),
  }));
  swagger.spec = specs;
  specs = [];

  // 2. redoc. Its footer logo is requested once React has rendered the footer, which
  // can come after the operations are on screen: wait for that request too.
  const logo = page.waitForRequest((request) => request.url().endsWith('/logo-mini.svg'), { timeout: 20000 });
  await page.goto(`${base}/redoc.html${query}`, { waitUntil: 'load' });
  await page.waitForSelector('[data-section-id^="operation/"] h2', { timeout: 20000 });
  await logo;
  const redoc = await page.evaluate(() => ({
    title: document.querySelector('.api-info h1').textContent.trim(),
    operation_ids: [...document.querySelectorAll('[data-section-id^="operation/"]')].map((e) =>
      e.getAttribute('data-section-id'),
    ),
    summaries: [...document.querySelectorAll('[data-section-id^="operation/"] h2')].map((e) => e.textContent.trim()),
  }));
  redoc.spec = specs;

  const cookies = (await ctx.cookies()).map((c) => c.name).sort();
  return { swagger, redoc, foreign_requests: foreign, runtime, cookies };
}
