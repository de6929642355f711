// A site built with mkdocs-material (navigation.instant, search plugin), as a reader
// uses it: a link of the page is followed by instant navigation (fetch of the next
// page, its content swapped in, pushState; the window and its globals survive), and the
// search box queries the index in material's search Web Worker. Run once directly and
// once through Tandem by the same Rust test.
//
//   args: { base_url, entry_url?, link, query }
//         base_url: the site's origin as the browser sees it (its own, or the session's
//                   label for it); entry_url: Tandem's entry link, opened first when
//                   given (it binds the browser and lands on /); link: the text of a
//                   link on the home page; query: a search term.
//   result: { home_title, sitemap_status, instant: { path, title, same_window, navigations, headings },
//             back: { path, title, same_window }, search: { meta, titles }, workers: [path],
//             foreign_urls, runtime, cookies: [name] }
import { locator, requireArgs } from './app_common.mjs';
export default async function mkdocs(page, args, ctx) {
  requireArgs('app_mkdocs', args, ['base_url', 'link', 'query']);
  const { base, foreign, here } = locator(page, args.base_url);
  const workers = [];
  page.on('worker', (worker) => {
    const url = new URL(worker.url());
    workers.push(url.origin === base ? url.pathname : url.href);
  });
  const title = () => page.textContent('article.md-content__inner h1').then((t) => t.trim());

  // 1. The home page. Instant navigation starts once material has read sitemap.xml.
  const sitemap = page.waitForResponse((r) => new URL(r.url()).pathname === '/sitemap.xml', { timeout: 15000 });
  await page.goto(args.entry_url || `${base}/`, { waitUntil: 'load' });
  await page.waitForSelector('article.md-content__inner h1', { timeout: 10000 });
  here();
  const sitemapStatus = (await sitemap).status();
  await page.waitForTimeout(300);
  const homeTitle = await title();
  const runtime = await page.evaluate(() => {
    const marker = window[Symbol.for('tandem.runtime')];
    return marker ? marker.version : null;
  });

  // 2. Instant navigation: a marker on the window survives if no full load happened.
  await page.evaluate(() => {
    window.__appMkdocsMarker = 'kept';
  });
  const before = await title();
  await page.click(`article.md-content__inner a >> text=${args.link}`);
  await page.waitForFunction((old) => {
    const h1 = document.querySelector('article.md-content__inner h1');
    return h1 && h1.textContent.trim() !== old;
  }, before, { timeout: 15000 });
  const state = () =>
    page.evaluate(() => ({
      same_window: window.__appMkdocsMarker === 'kept',
      navigations: performance.getEntriesByType('navigation').length,
      headings: [...document.querySelectorAll('article.md-content__inner h2')].map((h) => h.textContent.trim()),
    }));
  const instant = { path: here(), title: await title(), ...(await state()) };

  // 3. Back: material restores the previous page without a load either.
  await page.goBack();
  await page.waitForFunction((t) => {
    const h1 = document.querySelector('article.md-content__inner h1');
    return h1 && h1.textContent.trim() === t;
  }, homeTitle, { timeout: 15000 });
  const backState = await state();
  const back = { path: here(), title: await title(), same_window: backState.same_window };

  // 4. Search: typing in the header's search box; the worker answers.
  await page.click('input.md-search__input');
  // Typed key by key (material reacts to keyboard events, not to a value set at once).
  await page.locator('input.md-search__input').pressSequentially(args.query, { delay: 50 });
  await page.waitForSelector('.md-search-result__item', { state: 'attached', timeout: 15000 });
  await ctx.waitFor(async () => {
    const meta = await page.textContent('.md-search-result__meta');
    return meta && /matching/.test(meta);
  }, 10000);
  const search = await page.evaluate(() => ({
    meta: document.querySelector('.md-search-result__meta').textContent.trim(),
    titles: [...document.querySelectorAll('.md-search-result__item > .md-search-result__link h1')].map((h) =>
      h.textContent.trim(),
    ),
  }));

  const cookies = (await ctx.cookies()).map((c) => c.name).sort();
  return {
    home_title: homeTitle,
    sitemap_status: sitemapStatus,
    instant,
    back,
    search,
    workers,
    foreign_urls: foreign,
    runtime,
    cookies,
  };
}
