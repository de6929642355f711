// An agent acts on the visitor's page: the Rust test plays the agent on a real agent
// socket (highlight, click, type into the password field and into the text field,
// scroll a box), then sends the visitor to another page once this page reports what
// happened to it.
//
//   args: { proxy_url, control, api_key, short_id }
//   result: { highlighted, pressed, name, inputs, changed, password, box_scroll, url_after }
import { restApi } from './api_common.mjs';
import { readOverlay } from './overlay_common.mjs';
import { signalStep } from './mirror_common.mjs';

export default async function mirrorControl(page, args, ctx) {
  const api = restApi('mirror_control', args, ['proxy_url', 'short_id']);
  await page.goto(args.proxy_url, { waitUntil: 'load' });
  await ctx.waitFor(async () => (await api.visitor(args.short_id)).is_online, 15000);
  await signalStep(page, 'ready');

  const highlighted = await ctx.waitFor(
    async () => {
      const overlay = await readOverlay(page);
      return overlay && overlay.boxes.length ? overlay.boxes.length : null;
    },
    15000,
    100,
  );
  // The agent's last action is the scroll: everything before it has been done then.
  await ctx.waitFor(() => page.evaluate(() => document.getElementById('box').scrollTop > 0), 15000);
  const state = await page.evaluate(() => ({
    pressed: window.pressed || 0,
    name: document.getElementById('name').value,
    inputs: window.inputs || 0,
    changed: window.changed || null,
    password: document.getElementById('pw').value,
    box_scroll: document.getElementById('box').scrollTop,
  }));
  await signalStep(page, 'acted');

  await page.waitForURL(/\/control\/other$/, { timeout: 15000 });
  await page.waitForLoadState('load');
  return { highlighted, ...state, url_after: page.url(), heading: await page.textContent('h1') };
}
