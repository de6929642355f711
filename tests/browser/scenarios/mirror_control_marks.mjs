// Agents' marks on the visitor's page, and what the session's end leaves behind. The
// Rust test plays two agents on real agent sockets (each points, one draws a stroke) and
// ends the session when the page says it has seen them.
//
//   args: { proxy_url, control, api_key, short_id }
//   result: { cursors, strokes, host, pointer_passes_through, overlay_after, same_markup }
import { restApi } from './api_common.mjs';
import { readOverlay } from './overlay_common.mjs';
import { markup, signalStep } from './mirror_common.mjs';

export default async function mirrorControlMarks(page, args, ctx) {
  const api = restApi('mirror_control_marks', args, ['proxy_url', 'short_id']);
  await page.goto(args.proxy_url, { waitUntil: 'load' });
  await ctx.waitFor(async () => (await api.visitor(args.short_id)).is_online, 15000);
  const before = await markup(page);
  await signalStep(page, 'ready');

  const seen = await ctx.waitFor(
    async () => {
      const overlay = await readOverlay(page);
      return overlay && overlay.cursors.length >= 2 && overlay.strokes.length ? overlay : null;
    },
    15000,
    200,
  );
  // What the page itself can see of the overlay, and whether it is in the way.
  const host = await page.evaluate(() => {
    const el = document.querySelector('tandem-overlay');
    return {
      in_body: !!document.body.querySelector('tandem-overlay'),
      shadow_root: el.shadowRoot !== null,
      class_name: el.className,
      pointer_events: getComputedStyle(el).pointerEvents,
      z_index: getComputedStyle(el).zIndex,
    };
  });
  const pointerPassesThrough = await page.evaluate(() => document.elementFromPoint(120, 80).localName !== 'tandem-overlay');
  await signalStep(page, 'seen');

  await ctx.waitFor(async () => (await readOverlay(page)) === null, 15000, 200);
  const after = await markup(page);
  return {
    cursors: seen.cursors,
    strokes: seen.strokes,
    host,
    pointer_passes_through: pointerPassesThrough,
    overlay_after: await readOverlay(page),
    same_markup: before === after,
    markup_before: before === after ? null : before,
    markup_after: before === after ? null : after,
  };
}
