// Masking in the visitor's browser: once an agent watches (the test joins one when the
// page says it is ready), the page's secrets are typed, pasted, revealed and submitted, and
// every byte the page sent on its live socket is searched for them.
//
//   args: { proxy_url, secrets: [..], public: [..], typed: { user, password, pasted,
//           toggle_before, toggle_after, attribute,
//           shadow_text, shadow_data } }
//   result: { snapshot_flags, secrets: {secret: [where]}, public: {text: bool},
//             placeholders: {secret: bool}, blank_image, signed_in_snapshot, frames }
import { recordLiveFrames, sentFrames, whereSent, describe, SNAPSHOT } from './mirror_common.mjs';
import { requireArgs } from './app_common.mjs';

export default async function mirrorMasking(page, args, ctx) {
  requireArgs('mirror_masking', args, ['proxy_url', 'secrets', 'public', 'typed']);
  const frames = recordLiveFrames(page);
  const typed = args.typed;
  await page.goto(args.proxy_url, { waitUntil: 'load' });
  // The test joins an agent once the visitor's record is at this URL.
  await page.evaluate(() => history.pushState(null, '', '?ready'));
  const snapshot = await ctx.waitFor(() => sentFrames(frames).find((f) => f.flags & SNAPSHOT), 20000);

  await page.locator('#user').pressSequentially(typed.user);
  await page.locator('#pw').pressSequentially(typed.password);
  // A paste is one input event with the whole text.
  await page.locator('#pasted').focus();
  await page.keyboard.insertText(typed.pasted);
  await page.locator('#toggle').pressSequentially(typed.toggle_before);
  await page.click('#show');
  await page.locator('#toggle').pressSequentially(typed.toggle_after);
  // A page script writing a secret into a field's value attribute.
  await page.evaluate((value) => document.getElementById('pw').setAttribute('value', value), typed.attribute);
  await page.locator('#masked-input').fill('MASKEDINPUT777' + typed.pasted);
  // Text changed later in a shadow root inside a masked element: new nodes, new data.
  await page.evaluate(({ text, data }) => {
    const root = document.getElementById('shadow-host').shadowRoot;
    root.querySelector('span').textContent = text;
    root.querySelector('b').firstChild.data = data;
  }, { text: typed.shadow_text, data: typed.shadow_data });
  await page.locator('#user').blur();
  // The events flowed: the public text typed last is there.
  await ctx.waitFor(() => whereSent(frames, typed.user).length > 0, 10000);

  await Promise.all([page.waitForURL(/mirror-secrets$/), page.click('#submit')]);
  await page.waitForLoadState('load');
  const signedIn = await ctx.waitFor(
    () => sentFrames(frames).find((f) => f.flags & SNAPSHOT && f.text && f.text.includes('SIGNEDINPAGE')),
    20000,
  );

  const allSecrets = args.secrets.concat(Object.values(typed).filter((v) => v !== typed.user));
  const decoded = sentFrames(frames).map((f) => f.text || '').join('\n');
  const placeholder = (secret) => decoded.includes(`"${'*'.repeat(secret.length)}"`);
  return {
    snapshot_flags: snapshot.flags,
    secrets: Object.fromEntries(allSecrets.map((s) => [s, whereSent(frames, s)])),
    public: Object.fromEntries(args.public.concat([typed.user]).map((s) => [s, whereSent(frames, s).length > 0])),
    placeholders: Object.fromEntries(allSecrets.filter((s) => !s.endsWith('.png')).map((s) => [s, placeholder(s)])),
    blank_image: decoded.includes('"rr_width":"40px"') && decoded.includes('"rr_height":"30px"'),
    signed_in_snapshot: Boolean(signedIn),
    undecodable: sentFrames(frames).filter((f) => f.error).map(describe),
    frames: frames.map(describe),
  };
}
