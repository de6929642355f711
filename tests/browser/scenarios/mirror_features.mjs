// What the mirror carries besides plain markup: text in a shadow root, a constructed
// stylesheet and a rule inserted into it later, a frame of the same origin, and (a
// known limit) not a frame of another label. The page's own globals are the same
// before and while it is recorded: rrweb leaves no enumerable global behind, and the
// natives it patches print as before.
//
//   args: { proxy_url }
//   result: { found: {text: bool}, globals_before, globals_during, natives_before,
//             natives_during, frames }
import { recordLiveFrames, sentFrames, whereSent, describe, SNAPSHOT } from './mirror_common.mjs';
import { requireArgs } from './app_common.mjs';

const SHOWN = ['MIRRORFEATURES', 'SHADOWTEXT', 'adopted-rule', 'inserted-rule', 'SAMEORIGINFRAMEINSIDE'];

export default async function mirrorFeatures(page, args, ctx) {
  requireArgs('mirror_features', args, ['proxy_url']);
  const frames = recordLiveFrames(page);
  await page.goto(args.proxy_url, { waitUntil: 'load' });
  const globals = () => page.evaluate(() => Object.keys(window).sort());
  // How patched natives print (rrweb patches some while it records).
  const natives = () =>
    page.evaluate(() => ({
      value_setter: String(Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set),
      insert_rule: String(CSSStyleSheet.prototype.insertRule),
      attach_shadow: String(Element.prototype.attachShadow),
    }));
  const nativesBefore = await natives();
  const globalsBefore = await globals();
  // The test joins an agent once the visitor's record is at this URL.
  await page.evaluate(() => history.pushState(null, '', '?ready'));
  await ctx.waitFor(() => sentFrames(frames).find((f) => f.flags & SNAPSHOT), 20000);
  await page.evaluate(() => window.sheet.insertRule('.inserted-rule { color: rgb(4, 5, 6) }'));
  // Everything that is to come does; the frame of the other label was loaded by then.
  await ctx.waitFor(() => SHOWN.every((text) => whereSent(frames, text).length > 0), 10000).catch(() => null);
  await page.frameLocator('#other').locator('p').waitFor({ timeout: 10000 });
  const globalsDuring = await globals();
  const nativesDuring = await natives();
  return {
    found: Object.fromEntries(SHOWN.concat(['OTHERLABELFRAMEINSIDE']).map((text) => [text, whereSent(frames, text).length > 0])),
    globals_before: globalsBefore,
    globals_during: globalsDuring,
    natives_before: nativesBefore,
    natives_during: nativesDuring,
    frames: frames.map(describe),
  };
}
