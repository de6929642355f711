// The agent's side: a visitor's page is open on the shop's login page; the agent's
// browser (a context of its own) opens the watch URL the REST API gives, the viewer
// connects and shows the visitor, follows it to another address (pushState), and the
// agent presses End. A third browser then opens the same link. A second link, with
// branding.on_end_url, watches the visitor close its page and open it again, then is
// ended the same way and its viewer goes to that URL.
//
//   args: { proxy_url, control, api_key, short_id, on_end_url }
//   result: { first: viewer report, followed, in_session, ongoing, ended_sessions,
//             not_in_session_after, reused: { status, url, text }, second: viewer report,
//             away, back, after_end: { url, title }, ended_again }
//   followed / away / back: what the viewer showed then, { status, url }
//   viewer report: { viewer_url, status (the status line's state), url, browser, visitor, agent, states: [{ state, text }] }
import { restApi } from './api_common.mjs';

export default async function apiViewer(page, args, ctx) {
  const api = restApi('api_viewer', args, ['proxy_url', 'short_id', 'on_end_url']);
  await page.goto(args.proxy_url, { waitUntil: 'load' });
  await ctx.waitFor(async () => (await api.visitor(args.short_id)).url === 'https://shop.test/login', 15000);

  const watchUrl = async (extra) =>
    (await api.call('POST', `/v1.3/visitors/${args.short_id}/watch_url`, { agent: { id: 'agent-7', name: 'Ann' }, ...extra }))
      .watch_url;
  // Opens a watch link in a fresh browser and waits for its viewer to say Connected and
  // show the visitor; records every status the viewer shows from then on.
  const openViewer = async (url) => {
    const agent = await ctx.newContext();
    const states = [];
    await agent.page.exposeFunction('tandemTestStatus', (state, text) => states.push({ state, text }));
    await agent.page.goto(url, { waitUntil: 'load' });
    await agent.page.waitForSelector('#status[data-state=connected]', { timeout: 15000 });
    await agent.page.waitForFunction(() => document.getElementById('browser').textContent !== '—', null, {
      timeout: 15000,
    });
    await agent.page.evaluate(() => {
      const status = document.getElementById('status');
      new MutationObserver(() => window.tandemTestStatus(status.dataset.state, status.textContent)).observe(status, {
        attributes: true,
        childList: true,
        characterData: true,
        subtree: true,
      });
    });
    const text = (id) => agent.page.textContent('#' + id).then((t) => t.trim());
    return {
      agent,
      report: {
        viewer_url: agent.page.url(),
        status: await agent.page.$eval('#status', (s) => s.dataset.state),
        url: await text('url'),
        browser: await text('browser'),
        visitor: await text('visitor'),
        agent: await text('agent'),
        states,
      },
    };
  };
  // Presses End; the viewer may close its own window or leave when the session is over.
  const pressEnd = async ({ agent, report }) => {
    await agent.page.click('#end', { noWaitAfter: true });
    const over = () =>
      agent.page.isClosed() || agent.page.url() !== report.viewer_url || report.states.some((s) => s.state === 'ended');
    await ctx.waitFor(over, 15000);
  };
  const endedSessions = () =>
    ctx.waitFor(async () => {
      const sessions = await api.sessions();
      return sessions.every((s) => s.end_reason) && sessions;
    }, 15000);

  // Waits until the viewer shows `status` and `url`, and says what it showed.
  const showing = async ({ agent }, status, url) => {
    const shown = () => agent.page.evaluate(() => ({
      status: document.getElementById('status').dataset.state,
      url: document.getElementById('url').textContent,
    }));
    try {
      return await ctx.waitFor(async () => {
        const now = await shown();
        return now.status === status && now.url === url && now;
      }, 15000);
    } catch (e) {
      throw new Error(`viewer never showed ${status} at ${url}: ${e.message}; showing ${JSON.stringify(await shown())}`);
    }
  };

  const link = await watchUrl({});
  const first = await openViewer(link);
  await page.evaluate(() => history.pushState({}, '', '/login?agent=watching'));
  const followed = await showing(first, 'connected', 'https://shop.test/login?agent=watching');
  const inSession = (await api.visitor(args.short_id)).is_in_session;
  const ongoing = await api.sessions('?ongoing_only=true');
  await pressEnd(first);
  const ended = await endedSessions();
  const notInSession = (await api.visitor(args.short_id)).is_in_session === false;

  const third = await ctx.newContext();
  const reopened = await third.page.goto(link, { waitUntil: 'load' });
  const reused = {
    status: reopened ? reopened.status() : null,
    url: third.page.url(),
    text: (await third.page.textContent('body')).trim(),
  };

  const second = await openViewer(await watchUrl({ branding: { on_end_url: args.on_end_url } }));
  const pageUrl = page.url();
  await page.close();
  const away = await showing(second, 'offline', 'https://shop.test/login?agent=watching');
  const again = await ctx.context.newPage();
  await again.goto(pageUrl.replace(/\?.*$/, '?visitor=back'), { waitUntil: 'load' });
  const back = await showing(second, 'connected', 'https://shop.test/login?visitor=back');
  await Promise.all([second.agent.page.waitForURL(args.on_end_url, { timeout: 15000 }), pressEnd(second)]);
  const afterEnd = { url: second.agent.page.url(), title: await second.agent.page.title() };
  const endedAgain = await endedSessions();
  return {
    first: first.report,
    followed,
    in_session: inSession,
    ongoing,
    ended_sessions: ended,
    not_in_session_after: notInSession,
    reused,
    second: second.report,
    away,
    back,
    after_end: afterEnd,
    ended_again: endedAgain,
  };
}
