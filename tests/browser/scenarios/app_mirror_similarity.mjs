// How alike the agent's rebuilt copy of a real app's page is to the visitor's page: the
// visitor opens the page through Tandem (and logs in, when `login` is given), an agent's
// viewer shows it at 100% (its window is larger than the visitor's viewport), and once
// both have settled the visitor's viewport and the replay's frame are compared pixel by
// pixel (mirror_common.mjs, pixelMatch). Both screenshots are kept in the artifacts dir.
//
//   args: { name, proxy_url, control, api_key, short_id, ready_selector,
//           login?: { user, password } }
//   result: { share, sizes, visitor_title, replay_title, zoom, screenshots: [path] }
import fs from 'node:fs';
import path from 'node:path';
import { restApi } from './api_common.mjs';
import { requireArgs } from './app_common.mjs';
import { pixelMatch } from './mirror_common.mjs';

const VISITOR_VIEWPORT = { width: 1000, height: 700 };
const AGENT_VIEWPORT = { width: 1400, height: 1000 };

export default async function mirrorSimilarity(page, args, ctx) {
  requireArgs('app_mirror_similarity', args, ['name', 'ready_selector']);
  const api = restApi('app_mirror_similarity', args, ['proxy_url', 'short_id']);
  await page.setViewportSize(VISITOR_VIEWPORT);
  await page.goto(args.proxy_url, { waitUntil: 'load' });
  if (args.login) {
    await page.waitForSelector('#login-form', { timeout: 15000 });
    await page.fill('#id_username', args.login.user);
    await page.fill('#id_password', args.login.password);
    await Promise.all([page.waitForNavigation({ timeout: 15000 }), page.click('#login-form input[type=submit]')]);
  }
  await page.waitForSelector(args.ready_selector, { timeout: 15000 });
  await page.evaluate(() => document.fonts.ready);
  // The visitor's pointer rests in a corner, where the replay draws it too.
  await page.mouse.move(VISITOR_VIEWPORT.width - 2, VISITOR_VIEWPORT.height - 2);
  await ctx.waitFor(async () => (await api.visitor(args.short_id)).is_online, 15000);

  const body = { agent: { id: 'agent-1', name: 'Ann' } };
  const { watch_url: watchUrl } = await api.call('POST', `/v1.3/visitors/${args.short_id}/watch_url`, body);
  const agent = (await ctx.newContext({ viewport: AGENT_VIEWPORT })).page;
  await agent.goto(watchUrl, { waitUntil: 'load' });
  const replay = await ctx.waitFor(async () => {
    const handle = await agent.$('#frame iframe');
    const frame = handle && (await handle.contentFrame());
    return frame && (await frame.$(args.ready_selector)) && frame;
  }, 20000, 100);
  // The copy's images and fonts come through the asset endpoint: wait until they are in.
  await ctx.waitFor(
    () =>
      replay.evaluate(async () => {
        // (rrweb's rebuilt document stays in readyState 'loading': no load event to wait for.)
        await document.fonts.ready;
        return [...document.images].every((img) => img.complete);
      }),
    20000,
    100,
  );
  const zoom = await agent.textContent('#zoom-level');
  // The replay's area, exactly the visitor's viewport at 100% (an element screenshot
  // may take one more row where the area does not start on a whole pixel).
  const box = await (await agent.$('#frame')).boundingBox();
  const clip = { x: Math.round(box.x), y: Math.round(box.y), ...VISITOR_VIEWPORT };
  const replayShot = () => agent.screenshot({ clip });
  // Settled: two screenshots in a row alike.
  let shot = await replayShot();
  await ctx.waitFor(async () => {
    const next = await replayShot();
    const same = next.equals(shot);
    shot = next;
    return same;
  }, 15000, 200);
  const visitorShot = await page.screenshot();

  const blank = (await ctx.newContext()).page;
  const { share, sizes } = await pixelMatch(blank, visitorShot, shot);
  const screenshots = [];
  for (const [side, png] of [['visitor', visitorShot], ['agent', shot]]) {
    const file = path.join(ctx.artifactsDir, `mirror-similarity-${args.name}-${side}.png`);
    fs.mkdirSync(ctx.artifactsDir, { recursive: true });
    fs.writeFileSync(file, png);
    screenshots.push(file);
  }
  return {
    share,
    sizes,
    zoom,
    visitor_title: await page.title(),
    replay_title: await replay.evaluate(() => document.title),
    screenshots,
  };
}
