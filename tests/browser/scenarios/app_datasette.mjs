// Datasette, as a person uses it: the table page's search form filters the rows, a
// page script calls the JSON API with fetch, the CSV export downloads, facet and
// next-page links (absolute URLs in the HTML) and the column menu built by Datasette's
// script lead where they should, the root login link sets the signed ds_actor cookie
// and the page shows the actor, and the logout form (CSRF token) ends it. Run once
// directly and once through Tandem by the same Rust test.
//
//   args: { base_url, entry_url?, table_path, search, api_path, api_pages_path, token }
//         base_url: Datasette's origin as the browser sees it (its own, or the
//                   session's label for it); entry_url: Tandem's entry link, opened
//                   first when given (it binds the browser and lands on table_path);
//         api_path: a root-relative JSON API URL the page fetches; api_pages_path:
//                   one whose JSON has a next_url; token: the one-use token of
//                   `datasette --root`.
//   result: { table, all_rows, search_box, searched, search_value, search_rows,
//             api_status, api_json, api_next: { next_url, status, rows, error },
//             csv: { origin_ok, path, name, text }, facet, facet_value, facet_rows, next_page, next_page_rows, sorted_desc,
//             sorted_desc_rows, after_login, actor, actor_json,
//             cookies_after_login: [name], after_logout, logout_message,
//             actor_after_logout, foreign_urls, runtime, cookies: [name] }
//         URLs are path+query when on base_url's origin, in full otherwise (and then
//         listed in foreign_urls too).
import fs from 'node:fs';
import { locator, requireArgs } from './app_common.mjs';

export default async function datasette(page, args, ctx) {
  requireArgs('app_datasette', args, ['base_url', 'table_path', 'search', 'api_path', 'api_pages_path', 'token']);
  const { base, foreign, here } = locator(page, args.base_url);
  const rowNames = () =>
    page.$$eval('table.rows-and-columns tbody td.col-name', (cells) => cells.map((c) => c.textContent.trim()));

  // 1. The table page.
  await page.goto(args.entry_url || `${base}${args.table_path}`, { waitUntil: 'load' });
  await page.waitForSelector('table.rows-and-columns', { timeout: 10000 });
  const table = here();
  const allRows = await rowNames();
  const searchBox = (await page.$('form.filters input#_search')) !== null;
  // Tandem's in-page runtime, when it runs in the page (through Tandem only).
  const runtime = await page.evaluate(() => {
    const marker = window[Symbol.for('tandem.runtime')];
    return marker ? marker.version : null;
  });

  // 2. Its search form (a GET form submitted with the Apply button).
  await page.fill('form.filters input#_search', args.search);
  await Promise.all([
    page.waitForURL((url) => url.origin === base && url.searchParams.get('_search') === args.search, {
      timeout: 15000,
    }),
    page.click('form.filters input[type=submit]'),
  ]);
  await page.waitForSelector('table.rows-and-columns', { timeout: 10000 });
  const searched = new URL(page.url()).pathname;
  here();
  const searchValue = await page.inputValue('form.filters input#_search');
  const searchRows = await rowNames();

  // 3. The JSON API, fetched by a script of the page with a root-relative URL.
  const api = await page.evaluate(async (path) => {
    const response = await fetch(path);
    return { status: response.status, json: await response.json() };
  }, args.api_path);

  // 3a. Pagination through the JSON API: the page fetches the absolute `next_url`
  //     Datasette puts in the JSON (its own host: through Tandem, the runtime maps it).
  const apiNext = await page.evaluate(async (path) => {
    const first = await (await fetch(path)).json();
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), 5000);
    try {
      const response = await fetch(first.next_url, { signal: abort.signal });
      const next = await response.json();
      return { next_url: first.next_url, status: response.status, rows: next.rows.map((row) => row[1]) };
    } catch (e) {
      return { error: String(e), next_url: first.next_url };
    } finally {
      clearTimeout(timer);
    }
  }, args.api_pages_path);

  // 3b. Download the search results as CSV with the page's export form.
  await page.check('form[action$=".csv"] input[name=_dl]');
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 15000 }),
    page.click('form[action$=".csv"] input[type=submit]'),
  ]);
  const csvUrl = new URL(download.url());
  const csv = {
    origin_ok: csvUrl.origin === base,
    path: csvUrl.pathname + csvUrl.search,
    name: download.suggestedFilename(),
    text: fs.readFileSync(await download.path(), 'utf8'),
  };

  // 4. Links Datasette writes as absolute URLs of its own host (so Tandem's rewriter
  //    maps them): a suggested facet, one of its values, and the next page.
  const clickTo = async (selector, param, value) => {
    await Promise.all([
      page.waitForURL((url) => url.origin === base && url.searchParams.get(param) === value, { timeout: 15000 }),
      page.click(selector),
    ]);
    await page.waitForSelector('table.rows-and-columns', { timeout: 10000 });
    return here();
  };
  await page.goto(`${base}${args.table_path}`, { waitUntil: 'load' });
  const facet = await clickTo('p.suggested-facets a', '_facet', 'habitat');
  const facetValue = await clickTo('#facet-habitat li a >> text=farmland', 'habitat', 'farmland');
  const facetRows = await rowNames();
  await page.goto(`${base}${args.table_path}?_size=3`, { waitUntil: 'load' });
  const nextPage = await clickTo('a >> text=Next page', '_next', '3');
  const nextPageRows = await rowNames();

  // 4b. The column menu that Datasette's table.js builds: sort by name, descending.
  await page.goto(`${base}${args.table_path}`, { waitUntil: 'load' });
  await page.click('th.col-name .dropdown-menu-icon');
  const sortedDesc = await clickTo('.dropdown-menu .dropdown-sort-desc', '_sort_desc', 'name');
  const sortedDescRows = await rowNames();

  // 5. The root login link: sets the signed ds_actor cookie, redirects to /.
  await page.goto(`${base}/-/auth-token?token=${encodeURIComponent(args.token)}`, { waitUntil: 'load' });
  await page.waitForSelector('.actor strong', { timeout: 10000 });
  const afterLogin = here();
  const actor = (await page.textContent('.actor strong')).trim();
  const actorJson = await page.evaluate(async () => (await fetch('/-/actor.json')).json());
  const cookiesAfterLogin = (await ctx.cookies()).map((c) => c.name).sort();

  // 6. Log out with the menu's POST form (asgi-csrf token), back to / with a message.
  await page.click('details.nav-menu summary');
  await Promise.all([
    page.waitForURL((url) => url.origin === base && url.pathname === '/', { timeout: 15000 }),
    page.click('details.nav-menu form[action$="/-/logout"] button'),
  ]);
  await page.waitForLoadState('load');
  const afterLogout = here();
  const logoutMessage = await page.evaluate(() => {
    const m = document.querySelector('.message-warning');
    return m ? m.textContent.trim() : null;
  });
  const actorAfterLogout = await page.evaluate(async () => (await fetch('/-/actor.json')).json());

  const cookies = (await ctx.cookies()).map((c) => c.name).sort();
  return {
    table,
    all_rows: allRows,
    search_box: searchBox,
    runtime,
    searched,
    search_value: searchValue,
    search_rows: searchRows,
    api_status: api.status,
    api_json: api.json,
    api_next: apiNext,
    csv,
    facet,
    facet_value: facetValue,
    facet_rows: facetRows,
    next_page: nextPage,
    next_page_rows: nextPageRows,
    sorted_desc: sortedDesc,
    sorted_desc_rows: sortedDescRows,
    after_login: afterLogin,
    actor,
    actor_json: actorJson,
    cookies_after_login: cookiesAfterLogin,
    after_logout: afterLogout,
    logout_message: logoutMessage,
    actor_after_logout: actorAfterLogout,
    foreign_urls: foreign,
    cookies,
  };
}
