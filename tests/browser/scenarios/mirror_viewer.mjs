// The agent's viewer against a real visitor: the visitor's Chromium is on the shop's
// mirror page (with cookies of the shop in its session); the agent's browser opens a
// watch link and the viewer rebuilds the page with rrweb's replayer. Reports what the
// replay shows and does: the text, an element the visitor adds afterwards, the replay
// iframe's sandbox, whether the page's script ran anywhere on the agent's side, the
// image as loaded through the asset endpoint, a POST to that endpoint, the agent's
// click on the page's button through the Click tool, its pointer and a Draw stroke on
// the visitor's page, and two more links' branding.
//
//   args: { proxy_url, control, api_key, short_id }
//   result: { sandbox, text, added, script_ran_in_replay, script_touched_viewer,
//             zoom: { fit, full, out, fit_again }, photo: { src, width }, post_status, pressed, status_text, cursors, strokes,
//             naked: { brand_shown, tools_shown }, page_only: { header_shown, tools_shown } }
import { restApi } from './api_common.mjs';
import { readOverlay } from './overlay_common.mjs';

export default async function mirrorViewer(page, args, ctx) {
  const api = restApi('mirror_viewer', args, ['proxy_url', 'short_id']);
  await page.goto(args.proxy_url, { waitUntil: 'load' });
  await page.evaluate(() => fetch('/set-cookies').then((r) => r.text()));
  await ctx.waitFor(async () => (await api.visitor(args.short_id)).is_online, 15000);

  const watchUrl = async (extra) =>
    (await api.call('POST', `/v1.3/visitors/${args.short_id}/watch_url`, { agent: { id: 'agent-9', name: 'Vera' }, ...extra }))
      .watch_url;
  const agent = await ctx.newContext();
  await agent.page.goto(await watchUrl({}), { waitUntil: 'load' });
  const frame = async () => {
    const handle = await agent.page.waitForSelector('#frame iframe', { timeout: 15000, state: 'attached' });
    return handle.contentFrame();
  };
  const replayText = async (selector) => {
    try {
      const f = await frame();
      return await f.$eval(selector, (e) => e.textContent);
    } catch {
      return null;
    }
  };
  await ctx.waitFor(async () => (await replayText('#title')) !== null, 20000);
  const text = await replayText('#title');
  const statusText = await agent.page.textContent('#status');
  const sandbox = await agent.page.$eval('#frame iframe', (f) => f.getAttribute('sandbox'));
  // Zoom: fit (the visitor's viewport is as large as the agent's whole window), 100%, −.
  const zoomLevel = () => agent.page.textContent('#zoom-level');
  const zoom = { fit: await zoomLevel() };
  await agent.page.click('[data-zoom="1"]');
  zoom.full = await zoomLevel();
  await agent.page.click('[data-zoom=out]');
  zoom.out = await zoomLevel();
  await agent.page.click('[data-zoom=fit]');
  zoom.fit_again = await zoomLevel();

  await page.evaluate(() => {
    const p = document.createElement('p');
    p.id = 'added';
    p.textContent = 'Added by the visitor';
    document.body.appendChild(p);
  });
  await ctx.waitFor(async () => (await replayText('#added')) !== null, 15000);
  const added = await replayText('#added');

  const replay = await frame();
  const photo = await ctx.waitFor(async () => {
    const shown = await replay.$eval('#photo', (img) => ({ src: img.getAttribute('src'), width: img.naturalWidth }));
    return shown.width > 0 && shown;
  }, 15000);
  const scriptRanInReplay = await replay.evaluate(() => 'visitorScriptRan' in window).catch(() => 'not scriptable');
  const scriptTouchedViewer = await agent.page.evaluate(() => document.documentElement.dataset.pageScript || null);
  const postStatus = await agent.page.evaluate((src) => fetch(src, { method: 'POST' }).then((r) => r.status), photo.src);

  // The Click tool: press the page's button where the replay shows it.
  await agent.page.click('[data-tool=click]');
  const box = await (await replay.$('#press')).boundingBox();
  await agent.page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  const pressed = await ctx.waitFor(async () => {
    const t = await page.textContent('#pressed');
    return t && t.startsWith('pressed') && t;
  }, 15000);

  // The agent's pointer shows as its labelled cursor on the visitor's page; the Draw tool
  // leaves a stroke there.
  await agent.page.mouse.move(box.x + 5, box.y + 5);
  await agent.page.mouse.move(box.x + 20, box.y + 12);
  const cursors = await ctx.waitFor(async () => {
    const overlay = await readOverlay(page);
    return overlay && overlay.cursors.length >= 1 && overlay.cursors;
  }, 15000, 200);
  await agent.page.click('[data-tool=draw]');
  await agent.page.mouse.move(box.x + 2, box.y + 2);
  await agent.page.mouse.down();
  for (let i = 1; i <= 5; i += 1) await agent.page.mouse.move(box.x + 2 + i * 10, box.y + 2 + i * 5, { steps: 2 });
  await agent.page.mouse.up();
  const strokes = await ctx.waitFor(async () => {
    const overlay = await readOverlay(page);
    return overlay && overlay.strokes.length >= 1 && overlay.strokes;
  }, 15000, 200);

  const branded = async (naked) => {
    const other = await ctx.newContext();
    await other.page.goto(await watchUrl({ branding: { naked } }), { waitUntil: 'load' });
    await other.page.waitForSelector('#status[data-state=connected]', { timeout: 15000, state: 'attached' });
    const shown = (selector) => other.page.$eval(selector, (e) => getComputedStyle(e).display !== 'none');
    return { brand_shown: await shown('.brand'), header_shown: await shown('header'), tools_shown: await shown('nav') };
  };
  return {
    sandbox,
    text,
    added,
    status_text: statusText,
    zoom,
    script_ran_in_replay: scriptRanInReplay,
    script_touched_viewer: scriptTouchedViewer,
    photo,
    post_status: postStatus,
    pressed,
    cursors,
    strokes,
    naked: await branded(true),
    page_only: await branded('page_only'),
  };
}
