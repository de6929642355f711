// Agents' marks on the visitor's page, and what the session's end leaves behind. The
// Rust test plays two agents on real agent sockets (each points, one draws a stroke) and
// ends the session when the page says it has seen them.
//
//   args: { proxy_url, control, api_key, short_id }
//   result: { cursors, strokes, host, pointer_passes_through, overlay_reached, overlay_after, same_markup }
import { restApi } from './api_common.mjs';
import { readOverlay } from './overlay_common.mjs';
import { markup, signalStep } from './mirror_common.mjs';

export default async function mirrorControlMarks(page, args, ctx) {
  const api = restApi('mirror_control_marks', args, ['proxy_url', 'short_id']);
  await page.goto(args.proxy_url, { waitUntil: 'load' });
  await ctx.waitFor(async () => (await api.visitor(args.short_id)).is_online, 15000);
  const before = await markup(page);
  // A page script that replaced the DOM methods and accessors marks could be made with,
  // keeping every node it is handed: one inside the overlay would give it the overlay's
  // closed root, and the visitor's panel frame in it.
  await page.evaluate(() => {
    const handed = (window.handedNodes = new Set());
    const keep = (...nodes) => nodes.forEach((n) => n instanceof Node && handed.add(n));
    for (const [proto, name] of [
      [Document.prototype, 'createElement'],
      [Document.prototype, 'createElementNS'],
      [Element.prototype, 'setAttribute'],
      [Element.prototype, 'append'],
      [Element.prototype, 'remove'],
      [Node.prototype, 'appendChild'],
    ]) {
      const original = proto[name];
      proto[name] = function (...args) {
        const out = original.apply(this, args);
        keep(this, out, ...args);
        return out;
      };
    }
    for (const [proto, name] of [
      [Node.prototype, 'textContent'],
      [Node.prototype, 'isConnected'],
      [Element.prototype, 'className'],
      [HTMLElement.prototype, 'style'],
      [SVGElement.prototype, 'style'],
    ]) {
      const d = Object.getOwnPropertyDescriptor(proto, name);
      Object.defineProperty(proto, name, {
        ...d,
        get: d.get && function () { keep(this); return d.get.call(this); },
        set: d.set && function (value) { keep(this); d.set.call(this, value); },
      });
    }
  });
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
  const overlayReached = await page.evaluate(() =>
    [...window.handedNodes].some((n) => {
      const root = n.getRootNode();
      return root !== document && root.host && root.host.localName === 'tandem-overlay';
    }),
  );
  await signalStep(page, 'seen');

  await ctx.waitFor(async () => (await readOverlay(page)) === null, 15000, 200);
  const after = await markup(page);
  return {
    cursors: seen.cursors,
    strokes: seen.strokes,
    host,
    pointer_passes_through: pointerPassesThrough,
    overlay_reached: overlayReached,
    overlay_after: await readOverlay(page),
    same_markup: before === after,
    markup_before: before === after ? null : before,
    markup_after: before === after ? null : after,
  };
}
