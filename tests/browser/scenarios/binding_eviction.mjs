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
  const browse = async (url = args.echo) => {
    const response = await page.goto(url, { waitUntil: 'load' });
    const text = (await page.textContent('body')) || '';
    let upstream = null;
    try {
      const headers = JSON.parse(text).headers || {};
      upstream = (headers.cookie || []).join('; ');
    } catch (e) {
      upstream = null;
    }
    return { status: response.status(), text: text.slice(0, 600), upstream_cookies: upstream };
  };

  const entered = await page.goto(args.proxy_url, { waitUntil: 'load' });
  const result = { entered: entered.status(), attacks: {} };
  const evil = await ctx.context.newPage();

  for (const attack of args.attacks) {
    await evil.goto(attack.url, { waitUntil: 'load' });
    const out = attack.svg
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
      const json = await answer.json();
      report.fresh_link = { status: answer.status, same_host: new URL(json.proxy_url).host === new URL(args.proxy_url).host };
      const landed = await page.goto(json.proxy_url, { waitUntil: 'load' });
      report.fresh_link.landed = landed.status();
      report.after_fresh = await browse();
    }
    // Tandem's answers sweep what it did not set: browsing on, the browser is clean again.
    report.swept = await ctx.waitFor(
      async () => {
        await browse();
        return (await foreign()) === 0;
      },
      20000,
      200,
    );
    result.attacks[attack.name] = report;
  }
  return result;
}
