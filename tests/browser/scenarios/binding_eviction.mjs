// A visitor browses the shop in one tab while a hostile site of the same session, in a
// second tab, writes real browser cookies on the zone by every route it has (the
// runtime's routes, then SVG documents the runtime never runs in, with floods of
// low-, default- and high-priority cookies). After each attack the visitor goes on
// browsing; what the visitor would notice is reported: the status of the next page,
// whether the upstream still gets the session's cookies, whether the binding cookie is
// still in the browser, and how many cookies Tandem did not set stay there. When an
// attack locks the visitor out, the integrator asks the REST API for a fresh entry link
// and the visitor opens it.
//
//   args: { proxy_url, control, api_key, short_id, echo, attacks: [{ name, url, svg? }] }
//   result: { entered, attacks: { [name]: { out, written, binding_kept, status, text,
//             upstream_cookies, fresh_link?, after_fresh?: { status, upstream_cookies },
//             swept } } }
export default async function bindingEviction(page, args, ctx) {
  const cookies = async () => ctx.cookies();
  const foreign = async () => (await cookies()).filter((c) => !c.name.startsWith('tandem_')).length;
  const binding = async () => (await cookies()).some((c) => c.name.startsWith('tandem_'));
  // The visitor's next page: the shop's echo, which shows the Cookie header upstream got.
  // A status without a page (431 has no body) makes goto throw: the status is still told.
  const browse = async (url = args.echo) => {
    let status = null;
    const listen = (response) => {
      if (response.request().isNavigationRequest() && response.frame() === page.mainFrame()) status = response.status();
    };
    page.on('response', listen);
    await page.goto(url, { waitUntil: 'load' }).catch((e) => ctx.log('goto failed:', e.message));
    page.off('response', listen);
    const text = (await page.textContent('body').catch(() => '')) || '';
    let upstream = null;
    try {
      const headers = JSON.parse(text).headers || {};
      upstream = (headers.cookie || []).join('; ');
    } catch (e) {
      upstream = null;
    }
    return { status, text: text.slice(0, 600), upstream_cookies: upstream };
  };

  const entered = await page.goto(args.proxy_url, { waitUntil: 'load' });
  const result = { entered: entered.status(), attacks: {} };
  const evil = await ctx.context.newPage();

  for (const attack of args.attacks) {
    const loaded = (await evil.goto(attack.url, { waitUntil: 'load' })).status();
    // A hostile page Tandem refused (the visitor was locked out before) attacks nothing.
    const out =
      loaded !== 200
        ? { loaded }
        : attack.svg
      ? await ctx.waitFor(() => evil.evaluate(() => document.documentElement.getAttribute('data-done')), 15000)
      : JSON.parse(
          await ctx.waitFor(async () => {
            const t = await evil.textContent('#out');
            return t && t.trim();
          }, 15000),
        );
    const report = { out, written: await foreign(), binding_kept: await binding() };
    Object.assign(report, await browse());
    if (report.status === 403) {
      // The integrator's way back: a fresh entry link to the same session.
      const answer = await fetch(`${args.control}/v1.3/visitors/${args.short_id}/proxy_url`, {
        method: 'POST',
        headers: { 'X-Api-Key': args.api_key },
      });
      report.fresh_link = { status: answer.status };
      if (answer.ok) {
        const link = (await answer.json()).proxy_url;
        report.fresh_link.same_host = new URL(link).host === new URL(args.proxy_url).host;
        report.fresh_link.landed = (await page.goto(link, { waitUntil: 'load' })).status();
        report.after_fresh = await browse();
      }
    }
    // Tandem's answers sweep what it did not set: browsing on, the browser is clean again.
    report.swept = await ctx
      .waitFor(
        async () => {
          await browse();
          return (await foreign()) === 0;
        },
        15000,
        200,
      )
      .catch(async () => `${await foreign()} left`);
    result.attacks[attack.name] = report;
  }
  return result;
}
