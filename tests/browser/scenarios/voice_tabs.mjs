// A hostile tab tries to take the agent's view of the tab the visitor is using
// (tests/it/visitor_voice.rs, which plays the agent on a real agent socket). The
// visitor's page (with a third-party script) is in front, a hostile site of the same
// session in a background tab. Once the agent sees the visitor's page, the hostile tab
// forges snapshots, answers for the agent and its address on a socket of its own, which
// it keeps open; the agent types into the visitor's page and points there. Then the
// visitor goes to the hostile tab (the agent follows and points there) and back (the
// agent follows and ends the session).
// Steps are told by the visitor's address (`?step=`).
//
//   args: { proxy_url, hostile_url, control, api_key, short_id }
//   result: { forged, typed, cursor_in_hostile, hostile_controls, third_party_controls }
import { restApi } from './api_common.mjs';
import { readOverlay } from './overlay_common.mjs';
import { SNAPSHOT, recordLiveFrames, sentFrames, signalStep } from './mirror_common.mjs';
import { realTabs } from './tabs_common.mjs';

export default async function voiceTabs(page, args, ctx) {
  const api = restApi('voice_tabs', args, ['proxy_url', 'hostile_url', 'short_id']);
  const tabs = await realTabs(ctx);
  const visitor = await tabs.newTab();
  const frames = recordLiveFrames(visitor);
  await visitor.goto(args.proxy_url, { waitUntil: 'load' });
  const hostile = await tabs.newTab();
  await hostile.goto(args.hostile_url, { waitUntil: 'load' });
  await visitor.bringToFront();
  await ctx.waitFor(async () => (await api.visitor(args.short_id)).is_online, 15000);
  await signalStep(visitor, 'ready');

  // The agent joins; the visitor's page sends its snapshot; then the hostile tab forges.
  await ctx.waitFor(() => sentFrames(frames).some((f) => f.flags & SNAPSHOT), 20000);
  const forged = await hostile.evaluate(() => window.voiceAttack.takeTheMirror(3));
  await signalStep(visitor, 'forged');
  const typed = await ctx.waitFor(() => visitor.evaluate(() => document.getElementById('note').value || null), 20000);
  await signalStep(visitor, 'typed');

  // Once the agent points on its page, the visitor goes to the hostile tab: the agent
  // follows and points there.
  const cursor = async (tab) => {
    const overlay = await readOverlay(tab);
    return overlay && overlay.cursors.length > 0 && overlay.cursors[0].name;
  };
  await ctx.waitFor(() => cursor(visitor), 20000, 100);
  await hostile.bringToFront();
  const cursorInHostile = await ctx.waitFor(() => cursor(hostile), 20000, 100);
  // And back: the agent follows and ends the session.
  await visitor.bringToFront();
  await ctx.waitFor(async () => (await readOverlay(visitor)) === null, 20000, 200);
  const controls = (tab) => tab.evaluate(() => window.voiceAttack.state.controls);
  return {
    forged,
    typed,
    cursor_in_hostile: cursorInHostile,
    hostile_controls: await controls(hostile),
    third_party_controls: await controls(visitor),
  };
}
