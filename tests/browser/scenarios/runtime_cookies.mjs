// document.cookie across pages of one browser: loads each step's URL (in the main tab,
// or a second tab), waits for its `#out` report, and counts the requests the page made
// to Tandem's cookie endpoint; ends with the names of the browser's own cookies.
//
//   args: { steps: [{ name, url, tab?: 'second' }] }
//   result: { [name]: { out, cookie_gets, cookie_posts, requests: [url] }, browser_cookies: [name] }
export default async function runtimeCookies(page, args, ctx) {
  const results = {};
  const second = await ctx.context.newPage();
  for (const step of args.steps) {
    const tab = step.tab === 'second' ? second : page;
    const seen = [];
    const listen = (request) => seen.push(request);
    tab.on('request', listen);
    await tab.goto(step.url, { waitUntil: 'load' });
    const text = await ctx.waitFor(async () => {
      const element = await tab.$('#out');
      const t = element && (await element.textContent());
      return t && t.trim();
    }, 15000);
    tab.off('request', listen);
    const endpoint = seen.filter((r) => new URL(r.url()).pathname === '/__tandem/cookie');
    results[step.name] = {
      out: JSON.parse(text),
      cookie_gets: endpoint.filter((r) => r.method() === 'GET').length,
      cookie_posts: endpoint.filter((r) => r.method() === 'POST').length,
      requests: seen.map((r) => r.url()),
    };
  }
  results.browser_cookies = (await ctx.cookies()).map((c) => c.name);
  return results;
}
