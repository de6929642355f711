// Page loads of real apps, directly and through Tandem (the harness of
// `apps::load_times`, reported in BENCHMARKS.md). Each target gets a browser context of its
// own; through Tandem its entry link is opened first (untimed) to bind the context.
//
//   args: { runs, network?, series?, profile?, targets: [{ name, side, url, entry_url?, ready }] }
//         url: the page to load; ready: a CSS selector that shows the app rendered it.
//         network: { latency_ms, down_kbit, up_kbit } emulated through the DevTools
//         protocol (Network.emulateNetworkConditions: latency added to every request,
//         throughput shared by the page's requests); absent: loopback as it is.
//         series: which of 'cold' and 'warm' to run (default both); profile: false
//         leaves out the profiled load.
//   result: [{ name, side, cold: Series, warm: Series, profile }], where Series is
//         { load, ready, first_byte, interactive, page_bytes, runtime_bytes, requests,
//           from_service_worker, outside: [one number per load], paths, protocols }
//         cold: the browser cache disabled (every file fetched again); warm: cache on,
//         after one load that filled it. load: the load event, first_byte and
//         interactive: the page's first byte and DOM interactive (navigation timing);
//         ready: from the start of the navigation to `ready` being in the page.
//         page_bytes: bytes on the wire (headers and body as received, compressed; 0 for
//         what the browser's cache gave) of every response the load got, apart from
//         Tandem's own scripts, which are runtime_bytes (`/__tandem/runtime`,
//         `/__tandem/worker`: the same file for every page, cached for good).
//         requests: responses the load got; from_service_worker: how many of them a
//         service worker answered (their bytes are the worker's, not seen here);
//         outside: responses from hosts other than loopback (none: the harness runs
//         with args.loopback_only, not with request interception, which turns the cache
//         off). paths: the URL paths of the last load's responses (what one side
//         fetched that the other did not); protocols: theirs, as the browser saw them
//         (`h2`, `http/1.1`), apart from data: URLs and what a service worker answered.
//         profile: one more warm load under V8's sampling profiler, the main thread's
//         time in ms: { runtime (Tandem's scripts), page (every other script), gc,
//         other (parsing, compiling, style, layout: the browser's own work) }.

import { recordNetwork } from '../trust.mjs';

// How long a load's last responses may take to finish after the app rendered.
const SETTLE_MS = 5000;

const isRuntime = (url) => /^\/__tandem\/(runtime|worker)/.test(new URL(url).pathname);

// Runs `load` under the sampling profiler; the main thread's time by whose code ran.
async function profiled(cdp, load) {
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  await cdp.send('Profiler.start');
  await load();
  const { profile } = await cdp.send('Profiler.stop');
  await cdp.send('Profiler.disable');
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const time = { runtime: 0, page: 0, gc: 0, other: 0 };
  profile.samples.forEach((id, at) => {
    const { url, functionName } = frames.get(id);
    const ms = (profile.timeDeltas[at] || 0) / 1000;
    if (functionName === '(idle)') return;
    if (functionName === '(garbage collector)') time.gc += ms;
    else if (url && isRuntime(url)) time.runtime += ms;
    else if (url) time.page += ms;
    else time.other += ms;
  });
  return Object.fromEntries(Object.entries(time).map(([k, v]) => [k, Math.round(v)]));
}

export default async function loadTimes(page, args, ctx) {
  const runs = Number.isInteger(args.runs) && args.runs > 0 ? args.runs : 7;
  if (!Array.isArray(args.targets) || !args.targets.length) throw new Error('app_load_times: args.targets is required');
  await page.close();
  const results = [];
  for (const target of args.targets) {
    const { context, page: tab } = await ctx.newContext();
    if (target.entry_url) await tab.goto(target.entry_url, { waitUntil: 'load' });
    const responses = await recordNetwork(tab);
    const cdp = await context.newCDPSession(tab);
    await cdp.send('Network.enable');
    if (args.network) {
      const kbit = (rate) => (rate * 1000) / 8;
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: args.network.latency_ms,
        downloadThroughput: kbit(args.network.down_kbit),
        uploadThroughput: kbit(args.network.up_kbit),
      });
    }
    const measure = async () => {
      const before = responses().length;
      const start = Date.now();
      await tab.goto(target.url, { waitUntil: 'load', timeout: 60000 });
      await tab.waitForSelector(target.ready, { state: 'attached', timeout: 60000 });
      const ready = Date.now() - start;
      const timing = await tab.evaluate(() => {
        const entry = performance.getEntriesByType('navigation')[0];
        return { load: entry.loadEventEnd, first_byte: entry.responseStart, interactive: entry.domInteractive };
      });
      // Responses still streaming count once they end (a socket or a stream that never
      // ends is left out after SETTLE_MS rather than holding the run).
      const settled = () => responses().slice(before).every((r) => r.bytes !== null);
      await ctx.waitFor(settled, SETTLE_MS).catch(() => {});
      let pageBytes = 0;
      let runtimeBytes = 0;
      const got = responses().slice(before);
      for (const r of got) {
        if (isRuntime(r.url)) runtimeBytes += r.bytes || 0;
        else pageBytes += r.bytes || 0;
      }
      const fromServiceWorker = got.filter((r) => r.from_service_worker).length;
      const requests = got.length;
      const paths = got.map((r) => new URL(r.url).pathname);
      const protocols = got.filter((r) => !r.from_service_worker && /^https?:/.test(r.url)).map((r) => r.protocol);
      const loopback = (host) => host === '127.0.0.1' || host === 'localhost' || host.endsWith('.localhost');
      const outside = got.filter((r) => /^https?:/.test(r.url) && !loopback(new URL(r.url).hostname)).length;
      const [load, firstByte, interactive] = [timing.load, timing.first_byte, timing.interactive].map(Math.round);
      return { load, ready, first_byte: firstByte, interactive, page_bytes: pageBytes, runtime_bytes: runtimeBytes, requests, from_service_worker: fromServiceWorker, outside, paths, protocols };
    };
    const series = async (cacheDisabled) => {
      await cdp.send('Network.setCacheDisabled', { cacheDisabled });
      // One load first: warms up the app (and fills the cache for the warm series).
      await measure();
      const figures = { load: [], ready: [], first_byte: [], interactive: [], page_bytes: [], runtime_bytes: [], requests: [], from_service_worker: [], outside: [] };
      for (let run = 0; run < runs; run++) {
        const one = await measure();
        for (const key of Object.keys(figures)) figures[key].push(one[key]);
        figures.paths = one.paths;
        figures.protocols = one.protocols;
      }
      return figures;
    };
    const wanted = Array.isArray(args.series) ? args.series : ['cold', 'warm'];
    const result = { name: target.name, side: target.side };
    for (const cache of wanted) result[cache] = await series(cache === 'cold');
    if (args.profile !== false) result.profile = await profiled(cdp, measure);
    results.push(result);
    await context.close();
  }
  return results;
}
