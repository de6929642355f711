// Page-load times of real apps, directly and through Tandem (the harness of
// `apps::load_times`, reported in BENCHMARKS.md). Each target gets a browser context of its
// own; through Tandem its entry link is opened first (untimed) to bind the context.
//
//   args: { runs, targets: [{ name, side, url, entry_url?, ready }] }
//         url: the page to load; ready: a CSS selector that shows the app rendered it.
//   result: [{ name, side, cold: { load: [ms], ready: [ms] }, warm: { load: [ms], ready: [ms] } }]
//         cold: the browser cache disabled (every file fetched again); warm: cache on,
//         after one load that filled it. load: the load event (navigation timing);
//         ready: from the start of the navigation to `ready` being in the page.
//         Requests to any other origin than the page's are refused (nothing leaves the
//         machine), as the app tests do.
export default async function loadTimes(page, args, ctx) {
  const runs = Number.isInteger(args.runs) && args.runs > 0 ? args.runs : 7;
  if (!Array.isArray(args.targets) || !args.targets.length) throw new Error('app_load_times: args.targets is required');
  await page.close();
  const results = [];
  for (const target of args.targets) {
    const { context, page: tab } = await ctx.newContext();
    const origin = new URL(target.url).origin;
    await tab.route(
      (url) => url.origin !== origin && (url.protocol === 'http:' || url.protocol === 'https:'),
      (route) => route.abort(),
    );
    if (target.entry_url) await tab.goto(target.entry_url, { waitUntil: 'load' });
    const cdp = await context.newCDPSession(tab);
    await cdp.send('Network.enable');
    const measure = async () => {
      const start = Date.now();
      await tab.goto(target.url, { waitUntil: 'load', timeout: 30000 });
      await tab.waitForSelector(target.ready, { state: 'attached', timeout: 30000 });
      const ready = Date.now() - start;
      const load = await tab.evaluate(() => performance.getEntriesByType('navigation')[0].loadEventEnd);
      return { load: Math.round(load), ready };
    };
    const series = async (cacheDisabled) => {
      await cdp.send('Network.setCacheDisabled', { cacheDisabled });
      // One load first: warms up the app (and fills the cache for the warm series).
      await measure();
      const times = { load: [], ready: [] };
      for (let run = 0; run < runs; run++) {
        const { load, ready } = await measure();
        times.load.push(load);
        times.ready.push(ready);
      }
      return times;
    };
    const cold = await series(true);
    const warm = await series(false);
    results.push({ name: target.name, side: target.side, cold, warm });
    await context.close();
  }
  return results;
}
