// Django admin, as a person uses it: log in with the form, add a group, see it in the
// list, delete it, frame the admin, log out. Run once directly and once through Tandem by the
// same Rust test, so the two results can be compared step by step.
//
//   args: { base_url, entry_url?, user, password, group }
//         base_url: the admin site's origin as the browser sees it (the app's own, or
//                   the session's label for it); entry_url: Tandem's entry link, opened
//                   first when given (it binds the browser and lands on /admin/).
//   result: { start, after_login, welcome, cookies_after_login: [name], add_form, after_add, message, listed,
//             change, confirm, after_delete, delete_message, listed_after_delete,
//             header_background, x_frame_options, framed_form, after_logout, logged_out_title,
//             admin_after_logout, foreign_urls, runtime, cookies: [name] }
//         every URL is reported as path+query when it is on base_url's origin, in full
//         otherwise (listed in foreign_urls too), so both runs compare equal.
import { locator, requireArgs } from './app_common.mjs';
export default async function djangoAdmin(page, args, ctx) {
  requireArgs('app_django_admin', args, ['base_url', 'user', 'password', 'group']);
  const { base, foreign, here } = locator(page, args.base_url);
  const onPath = (path) => (url) => url.origin === base && url.pathname === path;

  // 1. Not logged in: /admin/ redirects (relatively) to the login form.
  if (args.entry_url) {
    await page.goto(args.entry_url, { waitUntil: 'load' });
  } else {
    await page.goto(`${base}/admin/`, { waitUntil: 'load' });
  }
  await page.waitForSelector('#login-form', { timeout: 10000 });
  const start = here();

  // 2. Log in (CSRF cookie + token, Origin check on the POST, redirect to next=).
  await page.fill('#id_username', args.user);
  await page.fill('#id_password', args.password);
  await Promise.all([
    page.waitForURL(onPath('/admin/'), { timeout: 15000 }),
    page.click('#login-form input[type=submit]'),
  ]);
  await page.waitForSelector('#user-tools', { timeout: 10000 });
  const afterLogin = here();
  const welcome = (await page.textContent('#user-tools strong')).trim();
  const cookiesAfterLogin = (await ctx.cookies()).map((c) => c.name).sort();
  // Tandem's in-page runtime, when it runs in the page (through Tandem only).
  const runtime = await page.evaluate(() => {
    const marker = window[Symbol.for('tandem.runtime')];
    return marker ? marker.version : null;
  });

  // 3. Add a group through the add form; the admin redirects to the changelist.
  const addResponse = await page.goto(`${base}/admin/auth/group/add/`, { waitUntil: 'load' });
  await page.waitForSelector('#group_form', { timeout: 10000 });
  const addForm = here();
  const xFrameOptions = addResponse ? addResponse.headers()['x-frame-options'] || null : null;
  await page.fill('#id_name', args.group);
  await Promise.all([
    page.waitForURL(onPath('/admin/auth/group/'), { timeout: 15000 }),
    page.click('input[name=_save]'),
  ]);
  await page.waitForSelector('#result_list', { timeout: 10000 });
  const afterAdd = here();
  const message = (await page.textContent('.messagelist')).trim().replace(/\s+/g, ' ');
  const listed = await page.$$eval('#result_list tbody th a', (links) => links.map((a) => a.textContent.trim()));

  // 4. Open the new group from the list, delete it (a confirmation page, a second CSRF
  //    POST), back on the changelist without it.
  await Promise.all([
    page.waitForURL((url) => url.origin === base && /^\/admin\/auth\/group\/\d+\/change\/$/.test(url.pathname), {
      timeout: 15000,
    }),
    page.click(`#result_list tbody th a >> text=${args.group}`),
  ]);
  const change = here().replace(/\d+/, 'ID');
  await Promise.all([
    page.waitForURL((url) => url.origin === base && url.pathname.endsWith('/delete/'), { timeout: 15000 }),
    page.click('a.deletelink'),
  ]);
  const confirm = here().replace(/\d+/, 'ID');
  await Promise.all([
    page.waitForURL(onPath('/admin/auth/group/'), { timeout: 15000 }),
    page.click('#content form input[type=submit]'),
  ]);
  const afterDelete = here();
  const deleteMessage = (await page.textContent('.messagelist')).trim().replace(/\s+/g, ' ');
  const listedAfterDelete = await page.$$eval('#result_list tbody th a', (links) =>
    links.map((a) => a.textContent.trim()),
  );

  // 5. The admin's stylesheet applied (it came through the CSS path): the header's
  //    background is the admin's colour, not the browser's default.
  const headerBackground = await page.evaluate(() => getComputedStyle(document.querySelector('#header')).backgroundColor);

  // 6. The admin framed by a page of its own origin: X-Frame-Options DENY forbids it
  //    on the real site; Tandem drops framing headers so integrators can frame it.
  const framedForm = await page.evaluate(async (src) => {
    const frame = document.createElement('iframe');
    const loaded = new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
    frame.src = src;
    document.body.appendChild(frame);
    await Promise.race([loaded, new Promise((resolve) => setTimeout(resolve, 5000))]);
    try {
      return Boolean(frame.contentDocument && frame.contentDocument.querySelector('#group_form'));
    } catch {
      return false;
    }
  }, `${base}/admin/auth/group/add/`);

  // 7. Log out (a POST form since Django 5), then /admin/ asks for the login again.
  await Promise.all([
    page.waitForURL(onPath('/admin/logout/'), { timeout: 15000 }),
    page.click('#logout-form button[type=submit]'),
  ]);
  const afterLogout = here();
  const loggedOutTitle = (await page.textContent('#content h1')).trim();
  await page.goto(`${base}/admin/`, { waitUntil: 'load' });
  await page.waitForSelector('#login-form', { timeout: 10000 });
  const adminAfterLogout = here();

  const cookies = (await ctx.cookies()).map((c) => c.name).sort();
  return {
    start,
    after_login: afterLogin,
    welcome,
    cookies_after_login: cookiesAfterLogin,
    runtime,
    add_form: addForm,
    x_frame_options: xFrameOptions,
    after_add: afterAdd,
    message,
    listed,
    change,
    confirm,
    after_delete: afterDelete,
    delete_message: deleteMessage,
    listed_after_delete: listedAfterDelete,
    header_background: headerBackground,
    framed_form: framedForm,
    after_logout: afterLogout,
    logged_out_title: loggedOutTitle,
    admin_after_logout: adminAfterLogout,
    foreign_urls: foreign,
    cookies,
  };
}
