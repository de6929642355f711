// A page of one site posts a form to another site's login (a forged cross-origin POST,
// with a made-up CSRF token). The target must see the real foreign Origin and refuse,
// through Tandem exactly as directly: the proxy must not launder a foreign origin.
//
//   args: { page_url, action, fields: { name: value }, entry_url? }
//         page_url: the first site's page, as the browser opens it; action: the form's
//         action as that page would write it (the target's real URL); entry_url:
//         Tandem's entry link, opened first when given.
//   result: [{ policy, page_origin, status, origin, path, text }], one per attempt:
//         under the page's own referrer policy, then under `origin`.
export default async function crossOriginPost(page, args, ctx) {
  for (const key of ['page_url', 'action', 'fields']) {
    if (!args[key]) throw new Error(`app_cross_origin_post: args.${key} is required`);
  }
  if (args.entry_url) await page.goto(args.entry_url, { waitUntil: 'load' });
  const attempts = [];
  // Once under the page's own referrer policy, once with <meta name=referrer
  // content=origin> added, so the browser sends the page's origin (not null).
  for (const policy of [null, 'origin']) {
    await page.goto(args.page_url, { waitUntil: 'load' });
    const pageOrigin = await page.evaluate(() => location.origin);
    const [response] = await Promise.all([
      page.waitForNavigation({ timeout: 15000 }),
      page.evaluate(
        ({ action, fields, policy }) => {
          if (policy) {
            const meta = document.createElement('meta');
            meta.name = 'referrer';
            meta.content = policy;
            document.head.appendChild(meta);
          }
          const form = document.createElement('form');
          form.method = 'post';
          form.action = action;
          for (const [name, value] of Object.entries(fields)) {
            const input = document.createElement('input');
            input.type = 'hidden';
            input.name = name;
            input.value = value;
            form.appendChild(input);
          }
          document.body.appendChild(form);
          form.submit();
        },
        { ...args, policy },
      ),
    ]);
    const url = new URL(page.url());
    const text = await page.evaluate(() => (document.body ? document.body.innerText : ''));
    attempts.push({
      policy,
      page_origin: pageOrigin,
      status: response ? response.status() : null,
      origin: url.origin,
      path: url.pathname,
      text: text.trim().replace(/\s+/g, ' ').slice(0, 200),
    });
  }
  return attempts;
}
