// The consent prompt, in a session created with `require_consent`: the agent's viewer
// says the visitor is asked, the visitor's page asks and sends nothing of the mirror;
// after the visitor's Allow the agent sees the page and the page shows the indicator.
//
//   args: { proxy_url, control, api_key, short_id }
//   result: { viewer_before: { state, notice }, prompt, sent_before_allow, title,
//             viewer_after: { state, notice_hidden }, overlay_after }
import { restApi } from './api_common.mjs';
import { readOverlay, clickOverlayButton } from './overlay_common.mjs';
import { recordLiveFrames, sentFrames } from './mirror_common.mjs';

export default async function mirrorConsent(page, args, ctx) {
  const api = restApi('mirror_consent', args, ['proxy_url', 'short_id']);
  const frames = recordLiveFrames(page);
  await page.goto(args.proxy_url, { waitUntil: 'load' });
  await ctx.waitFor(async () => (await api.visitor(args.short_id)).is_online, 15000);

  const body = { agent: { id: 'agent-1', name: 'Ann' } };
  const { watch_url: watchUrl } = await api.call('POST', `/v1.3/visitors/${args.short_id}/watch_url`, body);
  const agent = (await ctx.newContext()).page;
  await agent.goto(watchUrl, { waitUntil: 'load' });
  const viewerState = () =>
    agent.evaluate(() => ({
      state: document.getElementById('status').dataset.state,
      notice: document.getElementById('notice').textContent,
      notice_hidden: document.getElementById('notice').hidden,
    }));
  const viewerBefore = await ctx.waitFor(async () => {
    const now = await viewerState();
    return now.state === 'consent' && now;
  }, 15000);
  const prompt = await ctx.waitFor(async () => {
    const overlay = await readOverlay(page);
    return overlay && overlay.text.includes('Allow') && overlay.text;
  }, 15000, 100);
  const sentBeforeAllow = sentFrames(frames).length;

  await clickOverlayButton(page, 'Allow');
  const title = await ctx.waitFor(async () => {
    try {
      const frame = await (await agent.$('#frame iframe')).contentFrame();
      return await frame.$eval('#title', (e) => e.textContent);
    } catch {
      return null;
    }
  }, 20000);
  const viewerAfter = await ctx.waitFor(async () => {
    const now = await viewerState();
    return now.state === 'connected' && now;
  }, 15000);
  const overlayAfter = await ctx.waitFor(async () => {
    const overlay = await readOverlay(page);
    return overlay && overlay.text.includes('Stop sharing') && overlay.text;
  }, 15000, 100);
  return {
    viewer_before: { state: viewerBefore.state, notice: viewerBefore.notice },
    prompt,
    sent_before_allow: sentBeforeAllow,
    title,
    viewer_after: { state: viewerAfter.state, notice_hidden: viewerAfter.notice_hidden },
    overlay_after: overlayAfter,
  };
}
