// Runs navigation steps, each on a fresh load of its own page, and reports where each
// ended: the URL of the page (or of the popup it opened) and the page's `#out` report.
//
//   args: { steps: [{ name, url, click?: selector, popup?: bool, out?: bool }] }
//   result: { [name]: { url, out, requests: [url] } }
export default async function runtimeNavigation(page, args, ctx) {
  const results = {};
  let requests = [];
  ctx.context.on('request', (request) => requests.push(request.url()));
  const landed = (u) => u.pathname.startsWith('/record/') || u.protocol === 'chrome-error:';
  for (const step of args.steps) {
    requests = [];
    let url;
    let out = null;
    if (step.popup) {
      const opened = ctx.context.waitForEvent('page', { timeout: 15000 });
      await page.goto(step.url, { waitUntil: 'load' });
      if (step.click) await page.click(step.click);
      const popup = await opened;
      await popup.waitForURL(landed, { timeout: 15000 }).catch(() => {});
      url = popup.url();
      await popup.close();
    } else if (step.out) {
      await page.goto(step.url, { waitUntil: 'load' });
      out = JSON.parse(await ctx.waitFor(async () => (await page.textContent('#out')).trim(), 15000));
      url = page.url();
    } else {
      if (step.click) {
        await page.goto(step.url, { waitUntil: 'load' });
        await Promise.all([page.waitForURL(landed, { timeout: 15000 }).catch(() => {}), page.click(step.click)]);
      } else {
        await page.goto(step.url, { waitUntil: 'commit' });
        await page.waitForURL(landed, { timeout: 15000 }).catch(() => {});
      }
      url = page.url();
    }
    // Give navigations that escaped the zone time to show up as requests.
    await page.waitForTimeout(100);
    results[step.name] = { url, out, requests: requests.filter((r) => !r.includes('/__tandem/')) };
  }
  return results;
}
