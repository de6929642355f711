// A visitor opens the proxy URL, signs in on the shop's login form (the site sets an
// HttpOnly session cookie for Domain=shop.test and redirects), then follows a link to
// account.shop.test, which reads that cookie, and reports what it saw.
//
//   args: { proxy_url, user, password, account_url, profile_url }
//         account_url / profile_url: the browser-side URLs expected after each step
//   result: { login_url, account_url, who, account_document_cookie, runtime_version,
//             profile_url, profile_status, profile_text, profile_document_cookie,
//             cookies: [{ name, domain, path, httpOnly, secure, sameSite }] }
export default async function loginTwoHosts(page, args, ctx) {
  for (const key of ['proxy_url', 'user', 'password', 'account_url', 'profile_url']) {
    if (!args[key]) throw new Error(`login_two_hosts: args.${key} is required`);
  }

  await page.goto(args.proxy_url, { waitUntil: 'load' });
  await page.waitForSelector('#login', { timeout: 10000 });
  const loginUrl = page.url();

  await page.fill('#user', args.user);
  await page.fill('#password', args.password);
  await Promise.all([
    page.waitForURL(args.account_url, { timeout: 15000 }),
    page.click('#submit'),
  ]);
  await page.waitForSelector('#who', { timeout: 10000 });
  const who = (await page.textContent('#who')).trim();
  const accountUrl = page.url();
  const accountDocumentCookie = await page.evaluate(() => document.cookie);
  const runtime = await page.evaluate(() => {
    const marker = window[Symbol.for('tandem.runtime')];
    return marker ? marker.version : null;
  });

  const [profileResponse] = await Promise.all([
    page.waitForNavigation({ url: args.profile_url, timeout: 15000 }),
    page.click('#profile'),
  ]);
  await page.waitForSelector('#profile', { timeout: 10000 });
  const profileText = (await page.textContent('#profile')).trim();
  const profileDocumentCookie = await page.evaluate(() => document.cookie);

  const cookies = (await ctx.cookies()).map((c) => ({
    name: c.name,
    domain: c.domain,
    path: c.path,
    httpOnly: c.httpOnly,
    secure: c.secure,
    sameSite: c.sameSite,
  }));
  return {
    login_url: loginUrl,
    account_url: accountUrl,
    who,
    account_document_cookie: accountDocumentCookie,
    runtime_version: runtime,
    profile_url: page.url(),
    profile_status: profileResponse ? profileResponse.status() : null,
    profile_text: profileText,
    profile_document_cookie: profileDocumentCookie,
    cookies,
  };
}
