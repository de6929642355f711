// A visitor's page reports where it is: opens the proxy URL (the shop's login page),
// moves by pushState, signs in (a form POST and a redirect to /account), follows the
// link to account.shop.test, then closes. After each step it waits for the visitor
// record of the REST API to show the real URL; a background poll meanwhile records
// every reading that said offline. Then it times how long the visitor stays online
// after the page closed.
//
//   args: { proxy_url, control, api_key, short_id, user, password, grace_ms }
//   result: { user_agent, landed, pushed, account, profile, polls, offline_readings,
//             offline: { after_ms, record } }
import { restApi, watchOnline } from './api_common.mjs';

export default async function apiPresence(page, args, ctx) {
  const api = restApi('api_presence', args, ['proxy_url', 'short_id', 'user', 'password']);
  const at = (url) =>
    ctx.waitFor(async () => {
      const visitor = await api.visitor(args.short_id);
      return visitor.is_online && visitor.url === url && visitor;
    }, 15000).catch(async (e) => {
      throw new Error(`visitor record never at ${url}: ${e.message}; last ${JSON.stringify(await api.visitor(args.short_id))}`);
    });

  await page.goto(args.proxy_url, { waitUntil: 'load' });
  const userAgent = await page.evaluate(() => navigator.userAgent);
  const landed = await at('https://shop.test/login');
  const online = watchOnline(api, args.short_id);

  await page.evaluate(() => history.pushState({}, '', '/login?step=pushed#form'));
  const pushed = await at('https://shop.test/login?step=pushed#form');

  await page.fill('#user', args.user);
  await page.fill('#password', args.password);
  await Promise.all([page.waitForSelector('#who', { timeout: 15000 }), page.click('#submit')]);
  const account = await at('https://shop.test/account');

  await Promise.all([page.waitForSelector('#profile', { timeout: 15000 }), page.click('#profile')]);
  const profile = await at('https://account.shop.test/profile');
  const seen = await online.stop();

  const closed = Date.now();
  await page.close();
  const record = await ctx.waitFor(async () => {
    const visitor = await api.visitor(args.short_id);
    return !visitor.is_online && visitor;
  }, (args.grace_ms || 0) + 15000);
  return {
    user_agent: userAgent,
    landed,
    pushed,
    account,
    profile,
    polls: seen.polls,
    offline_readings: seen.offline,
    offline: { after_ms: Date.now() - closed, record },
  };
}
