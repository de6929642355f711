// The masking matrix on the hostile page (tests/it/support/masking_sites.rs): secrets
// entered into password fields everywhere (typed, pasted, set by script, autofilled),
// revealed as text before and while an agent watches; attributes of masked elements set
// at every time; GET and POST forms that put secrets into addresses. The Rust test
// reads every byte this browser sends through a tap; this scenario only acts, waits for
// the page's live socket to have sent each step, and reads back what the fields hold.
//
//   args: { proxy_url, parts: ['fields' | 'attributes' | 'urls' | 'siblings'],
//           fields: [{ id, method, reveal, values: { A, B, C } }], publics: { id: text },
//           urls: { public, password, frame_public, frame_password, frame_account, pin,
//                   pages: [welcome, posted] },
//           siblings: { textarea, editable } }
//   result: { values: { id: value }, publics: { id: value }, snapshots, steps: [..] }
import { recordLiveFrames, sentFrames, SNAPSHOT } from './mirror_common.mjs';
import { requireArgs } from './app_common.mjs';

export default async function masking(page, args, ctx) {
  requireArgs('masking', args, ['proxy_url', 'parts', 'fields', 'publics', 'urls', 'siblings']);
  const parts = new Set(args.parts);
  const frames = recordLiveFrames(page);
  const steps = [];
  const step = (name) => steps.push(name);
  const sentText = (needle) => sentFrames(frames).some((f) => f.text && f.text.includes(needle));
  const snapshotsWith = (needle) =>
    sentFrames(frames).filter((f) => f.flags & SNAPSHOT && f.text && f.text.includes(needle)).length;
  await ctx.context.grantPermissions(['clipboard-read', 'clipboard-write']);

  await page.goto(args.proxy_url, { waitUntil: 'load' });
  const expected = args.fields.length + Object.keys(args.publics).length;
  await ctx.waitFor(() => page.evaluate((n) => window.masking && window.masking.count() === n, expected), 20000);
  step('built');

  const enter = async (id, method, text) => {
    if (method === 'script' || method === 'autofill') {
      return page.evaluate(([m, i, t]) => window.masking[m](i, t), [method, id, text]);
    }
    const focused = await page.evaluate((i) => window.masking.focus(i), id);
    if (!focused) throw new Error(`field ${id} did not take the focus`);
    if (method === 'typed') return page.keyboard.type(text);
    // A paste from the clipboard (Chromium's own paste: one input event, insertFromPaste).
    await page.evaluate((t) => navigator.clipboard.writeText(t), text);
    await page.keyboard.press('ControlOrMeta+V');
  };
  const reveal = (id) => page.evaluate((i) => window.masking.reveal(i), id);

  if (parts.has('fields')) {
    for (const field of args.fields) await enter(field.id, field.method, field.values.A);
    for (const field of args.fields.filter((f) => f.reveal === 'before')) {
      await reveal(field.id);
      await enter(field.id, field.method, field.values.B);
    }
    step('fields before');
  }
  if (parts.has('attributes')) await page.evaluate(() => window.masking.setAttributes('before'));

  // The test joins an agent once the visitor's record is at this address.
  await page.evaluate(() => history.replaceState(null, '', location.pathname + '?step=ready'));
  await ctx.waitFor(() => snapshotsWith('PUBLICHEADINGQ') > 0, 30000);
  step('snapshot');

  if (parts.has('fields')) {
    for (const field of args.fields.filter((f) => f.reveal === 'during')) {
      await reveal(field.id);
      await enter(field.id, field.method, field.values.B);
    }
    for (const field of args.fields) await enter(field.id, 'typed', field.values.C);
    for (const [id, text] of Object.entries(args.publics)) await enter(id, 'typed', text);
    step('fields during');
  }
  if (parts.has('attributes')) {
    await page.evaluate(() => {
      window.masking.setAttributes('after');
      window.masking.addElements();
    });
    step('attributes');
  }
  if (parts.has('siblings')) {
    await page.locator('#sibling-textarea').pressSequentially(args.siblings.textarea);
    await page.locator('#sibling-editable').pressSequentially(args.siblings.editable);
    await page.evaluate(() => window.masking.siblings());
    step('siblings');
  }
  // Everything before this note went out before it.
  await page.evaluate(() => window.masking.note('FLUSHEDQ'));
  await ctx.waitFor(() => sentText('FLUSHEDQ'), 20000);
  const read = (ids) => page.evaluate((all) => Object.fromEntries(all.map((i) => [i, window.masking.value(i)])), ids);
  const values = await read(args.fields.map((f) => f.id));
  const publics = await read(Object.keys(args.publics));

  if (parts.has('urls')) {
    const urls = args.urls;
    // The frame's GET form: the frame's own runtime sees the submission.
    const frame = page.frames().find((f) => /[?&]place=frame(&|$)/.test(f.url()));
    if (!frame) throw new Error('no frame of the same label');
    await frame.fill('#frame-q', urls.frame_public);
    await frame.locator('#frame-pw').pressSequentially(urls.frame_password);
    await frame.fill('#frame-acct', urls.frame_account);
    await Promise.all([frame.waitForNavigation(), frame.click('#frame-get button')]);
    await ctx.waitFor(() => sentText(urls.frame_public), 20000);
    step('frame get');
    // The top's GET form, to the other label; then that address reloaded.
    await page.fill('#url-q', urls.public);
    await page.locator('#url-pw').pressSequentially(urls.password);
    await Promise.all([page.waitForURL(/\/welcome\?/), page.click('#url-go')]);
    await ctx.waitFor(() => snapshotsWith(urls.pages[0]) === 1, 20000);
    await page.reload({ waitUntil: 'load' });
    await ctx.waitFor(() => snapshotsWith(urls.pages[0]) === 2, 20000);
    step('get and reload');
    // A POST form on that page, to that same address.
    await page.locator('#pin').pressSequentially(urls.pin);
    await Promise.all([page.waitForNavigation(), page.click('#post button')]);
    await ctx.waitFor(() => snapshotsWith(urls.pages[1]) === 1, 20000);
    step('post');
  }
  return { values, publics, steps, sent: sentFrames(frames).length };
}
