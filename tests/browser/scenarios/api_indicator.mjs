// The visitor's side of a session: the visitor's page shows no indicator until an
// agent's browser opens a watch link, then a badge that survives a navigation; the
// visitor presses "Stop sharing" and the badge goes, the session ends for the agent.
//
//   args: { proxy_url, control, api_key, short_id }
//   result: { before, during, after_navigation, after_stop, page_sees_no_host_in_body,
//             agent_status, sessions }
//   before / during / after_navigation / after_stop: the indicator's text, or null
import { restApi } from './api_common.mjs';
import { clickOverlayButton, readOverlay } from './overlay_common.mjs';

const indicator = async (page) => {
  const overlay = await readOverlay(page);
  return overlay && overlay.text ? overlay.text : null;
};

export default async function apiIndicator(page, args, ctx) {
  const api = restApi('api_indicator', args, ['proxy_url', 'short_id']);
  await page.goto(args.proxy_url, { waitUntil: 'load' });
  await ctx.waitFor(async () => (await api.visitor(args.short_id)).is_online, 15000);
  const before = await indicator(page);

  const { watch_url } = await api.call('POST', `/v1.3/visitors/${args.short_id}/watch_url`, {
    agent: { id: 'agent-1', name: 'Ann' },
  });
  const agent = await ctx.newContext();
  await agent.page.goto(watch_url, { waitUntil: 'load' });
  await agent.page.waitForSelector('#status[data-state=connected]', { timeout: 15000 });
  const during = await ctx.waitFor(() => indicator(page), 15000);

  // A new page of the visitor's shows it at once (the socket's hello says so).
  await Promise.all([page.waitForURL(/\/login$/), page.evaluate(() => (location.href = '/login'))]);
  await page.waitForLoadState('load');
  const afterNavigation = await ctx.waitFor(() => indicator(page), 15000);
  // Outside the body, and closed to the page's scripts.
  const pageSeesNoHostInBody = await page.evaluate(
    () => !document.body.querySelector('tandem-overlay') && document.querySelector('tandem-overlay').shadowRoot === null,
  );

  await clickOverlayButton(page, 'Stop sharing');
  await ctx.waitFor(async () => (await indicator(page)) === null, 15000);
  await agent.page.waitForSelector('#status[data-state=ended]', { timeout: 15000 });
  return {
    before,
    during,
    after_navigation: afterNavigation,
    after_stop: await indicator(page),
    page_sees_no_host_in_body: pageSeesNoHostInBody,
    agent_status: (await agent.page.textContent('#status')).trim(),
    sessions: await api.sessions(),
  };
}
