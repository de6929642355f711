// Opens a proxy URL whose page runs its own script and writes a JSON report into
// `#out` when it is done; returns that report and every URL the browser requested.
//
//   args: { proxy_url }
//   result: { url, out, requests: [url] }
export default async function runtimePage(page, args, ctx) {
  if (!args.proxy_url) throw new Error('runtime_page: args.proxy_url is required');
  const requests = [];
  page.on('request', (request) => requests.push(request.url()));
  await page.goto(args.proxy_url, { waitUntil: 'load' });
  const text = await ctx.waitFor(async () => {
    const element = await page.$('#out');
    const t = element && (await element.textContent());
    return t && t.trim();
  }, 20000);
  return { url: page.url(), out: JSON.parse(text), requests };
}
