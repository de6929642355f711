// Two browsers through a real Tandem, the agent's viewer against the visitor's page:
// the visitor's `:hover` shows in the copy, the agent follows the visitor to a page of another host, a second agent who joins late
// starts from the page the visitor is on now, a change shows to both, and when the first
// agent presses End both sides stop: the viewers leave the session, the visitor's page
// loses every trace and sends no more of the mirror.
//
//   args: { proxy_url, control, api_key, short_id }
//   result: { before, hover: [hovered, unhovered], followed, url_shown, late, both, indicator, ended: { late_viewer,
//             overlay_after, told_ended, frames_after_end } }
import { restApi } from './api_common.mjs';
import { readOverlay } from './overlay_common.mjs';
import { recordLiveFrames, signalStep } from './mirror_common.mjs';

export default async function mirrorFollow(page, args, ctx) {
  const api = restApi('mirror_follow', args, ['proxy_url', 'short_id']);
  const frames = recordLiveFrames(page);
  await page.goto(args.proxy_url, { waitUntil: 'load' });
  await ctx.waitFor(async () => (await api.visitor(args.short_id)).is_online, 15000);

  const openViewer = async (id, name) => {
    const body = { agent: { id, name } };
    const { watch_url: watchUrl } = await api.call('POST', `/v1.3/visitors/${args.short_id}/watch_url`, body);
    const agent = await ctx.newContext();
    await agent.page.goto(watchUrl, { waitUntil: 'load' });
    return { page: agent.page, url: watchUrl };
  };
  const replayText = async (viewer, selector) => {
    try {
      const handle = await viewer.page.$('#frame iframe');
      const frame = handle && (await handle.contentFrame());
      return frame ? await frame.$eval(selector, (e) => e.textContent) : null;
    } catch {
      return null;
    }
  };
  const textIs = (viewer, selector, wanted) =>
    ctx.waitFor(async () => ((await replayText(viewer, selector)) === wanted ? wanted : null), 20000);

  const first = await openViewer('agent-1', 'Ann');
  const before = await textIs(first, '#title', "Hello from the visitor's page");
  // The visitor's pointer over an element styled by `:hover`: the copy shows that style.
  const replayBackground = async () => {
    const frame = await (await first.page.$('#frame iframe')).contentFrame();
    return frame.$eval('#hover-me', (e) => getComputedStyle(e).backgroundColor);
  };
  const backgroundIs = (wanted) => ctx.waitFor(async () => ((await replayBackground()) === wanted ? wanted : null), 15000);
  await page.hover('#hover-me');
  const hovered = await backgroundIs('rgb(200, 30, 30)');
  await page.mouse.move(1, 1);
  const unhovered = await backgroundIs('rgba(0, 0, 0, 0)');
  const indicator = await ctx.waitFor(async () => {
    const overlay = await readOverlay(page);
    return overlay && overlay.text.includes('Stop sharing') && overlay.text;
  }, 15000, 100);

  // The visitor follows a link to another host of the site.
  await Promise.all([page.waitForURL(/\/mirror\/away$/), page.click('#away')]);
  const followed = await textIs(first, '#title', 'Another host');
  const urlShown = await ctx.waitFor(async () => {
    const shown = await first.page.textContent('#url');
    return shown.includes('accounts.test') && shown;
  }, 15000);

  // A second agent joins late: the page the visitor is on now, at once.
  const second = await openViewer('agent-2', 'Bob');
  const late = await textIs(second, '#title', 'Another host');
  await page.evaluate(() => {
    const p = document.createElement('p');
    p.id = 'later';
    p.textContent = 'Seen by both';
    document.body.append(p);
  });
  const both = [await textIs(first, '#later', 'Seen by both'), await textIs(second, '#later', 'Seen by both')];

  // The first agent ends the session for everyone.
  await first.page.click('#end', { noWaitAfter: true });
  const lateViewer = await ctx.waitFor(async () => {
    if (second.page.isClosed()) return 'closed';
    if (second.page.url() !== second.url) return 'left';
    const state = await second.page.$eval('#status', (e) => e.dataset.state).catch(() => null);
    return state === 'ended' ? 'ended' : null;
  }, 15000);
  const endedAt = await ctx.waitFor(() => {
    const told = frames.findIndex((f) => f.direction === 'received' && f.json && f.json.type === 'session' && f.json.state === 'ended');
    return told >= 0 ? told + 1 : null;
  }, 15000);
  const overlayAfter = await ctx.waitFor(async () => ((await readOverlay(page)) === null ? 'gone' : null), 15000, 100);
  // A change after the end, then a message the page sends anyway: the change's frame,
  // if the page still recorded, would have gone before it.
  await page.evaluate(() => document.body.append(Object.assign(document.createElement('p'), { textContent: 'After' })));
  await signalStep(page, 'after-end');
  await ctx.waitFor(() => frames.some((f) => f.direction === 'sent' && f.text && f.text.includes('after-end')), 15000);
  const framesAfterEnd = frames.slice(endedAt - 1).filter((f) => f.direction === 'sent' && f.binary).length;
  return {
    before,
    hover: [hovered, unhovered],
    indicator,
    followed,
    url_shown: urlShown,
    late,
    both,
    ended: { late_viewer: lateViewer, overlay_after: overlayAfter, told_ended: endedAt > 0, frames_after_end: framesAfterEnd },
  };
}
