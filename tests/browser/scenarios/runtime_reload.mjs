// Opens a proxy URL whose page writes a JSON report into `#out` when it is done, then
// reloads it and waits for the second report (a page that behaves differently once, for
// example, its service worker controls it).
//
//   args: { proxy_url }
//   result: { url, first, second }
export default async function runtimeReload(page, args, ctx) {
  if (!args.proxy_url) throw new Error('runtime_reload: args.proxy_url is required');
  const report = () =>
    ctx.waitFor(async () => {
      const element = await page.$('#out');
      const t = element && (await element.textContent());
      return t && t.trim();
    }, 20000);
  await page.goto(args.proxy_url, { waitUntil: 'load' });
  const first = JSON.parse(await report());
  await page.reload({ waitUntil: 'load' });
  const second = JSON.parse(await report());
  return { url: page.url(), first, second };
}
