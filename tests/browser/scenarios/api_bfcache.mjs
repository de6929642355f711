// The presence socket of a page restored from the back-forward cache: the visitor's page
// (the shop's login page) goes to another page of the session, then back. The restored
// page must open its socket again at once, so that the visitor, whose other page has
// just closed, does not go offline after a short grace period; a background poll of
// the visitor record keeps every reading that said offline. Run with back_forward_cache.
//
//   args: { proxy_url, control, api_key, short_id, next_url }   (next_url: browser-side)
//   result: { restored, offline_readings, polls, record }
import { restApi, watchOnline } from './api_common.mjs';

export default async function apiBfcache(page, args, ctx) {
  const api = restApi('api_bfcache', args, ['proxy_url', 'short_id', 'next_url']);
  const at = (url) =>
    ctx.waitFor(async () => {
      const visitor = await api.visitor(args.short_id);
      return visitor.is_online && visitor.url === url && visitor;
    }, 15000).catch(async (e) => {
      throw new Error(`never online at ${url}: ${e.message}; ${JSON.stringify(await api.visitor(args.short_id))}`);
    });
  await page.goto(args.proxy_url, { waitUntil: 'load' });
  await at('https://shop.test/login');
  await page.evaluate(() => {
    window.addEventListener('pageshow', (event) => {
      document.documentElement.dataset.restored = String(event.persisted);
    });
  });
  await page.goto(args.next_url, { waitUntil: 'load' });
  await at('https://accounts.test/login');

  const online = watchOnline(api, args.short_id);
  // A page restored from the cache fires pageshow, not load.
  await page.goBack({ waitUntil: 'commit' });
  const restored = await ctx.waitFor(() => page.evaluate(() => document.documentElement.dataset.restored), 15000);
  // Once the restored page reported, it holds a socket: a visitor that was to go offline
  // in between has done so by now.
  const record = await at('https://shop.test/login');
  const seen = await online.stop();
  return { restored: restored === 'true', offline_readings: seen.offline, polls: seen.polls, record };
}
