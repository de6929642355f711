// When the capture runs: the visitor's page sends no mirror frame before a session
// starts (its own script changes the page meanwhile), a snapshot frame once an agent
// joins (the test joins one when the page says it is ready), an incremental frame for a
// change the page makes, one snapshot from the page loaded again, and nothing more after
// the session ends (ended here through
// the REST API) although the page changes. (A tab shown again is asked for a snapshot
// by the relay, which its panel tells: tests/it/visitor_voice.rs.)
//
//   args: { proxy_url, control, api_key, short_id }
//   result: { before_session, snapshot, incremental, snapshots_after_reload, after_end, frames }
import { recordLiveFrames, sentFrames, describe, SNAPSHOT } from './mirror_common.mjs';
import { restApi } from './api_common.mjs';

const received = (frames, type, state) =>
  frames.findIndex((f) => f.direction === 'received' && f.json && f.json.type === type && (!state || f.json.state === state));

export default async function mirrorLifecycle(page, args, ctx) {
  const api = restApi('mirror_lifecycle', args, ['proxy_url', 'short_id']);
  const frames = recordLiveFrames(page);
  await page.goto(args.proxy_url, { waitUntil: 'load' });
  // The page changes while nobody watches.
  await page.evaluate(() => window.addLine('BEFORESESSION'));
  // The test joins an agent once the visitor's record is at this URL.
  await page.evaluate(() => history.pushState(null, '', '?ready'));

  const started = await ctx.waitFor(() => received(frames, 'session', 'started') + 1, 20000) - 1;
  const beforeSession = frames.slice(0, started).filter((f) => f.direction === 'sent' && f.binary).map(describe);
  const snapshot = await ctx.waitFor(() => sentFrames(frames).find((f) => f.flags & SNAPSHOT), 10000);

  await page.evaluate(() => window.addLine('ADDEDLATER'));
  const incremental = await ctx.waitFor(
    () => sentFrames(frames).find((f) => !(f.flags & SNAPSHOT) && f.text && f.text.includes('ADDEDLATER')),
    10000,
  );

  // The page loads again: its new socket sends one snapshot, when the relay (which
  // mirrors it once its panel pairs) asks for it; not one before that, which the relay
  // would drop, and another when asked.
  const mark = frames.length;
  await page.reload({ waitUntil: 'load' });
  const sinceReload = () => sentFrames(frames.slice(mark));
  await ctx.waitFor(() => sinceReload().find((f) => f.flags & SNAPSHOT), 10000);
  await page.evaluate(() => window.addLine('AFTERRELOAD'));
  await ctx.waitFor(() => sinceReload().some((f) => !(f.flags & SNAPSHOT) && f.text && f.text.includes('AFTERRELOAD')), 10000);
  const snapshotsAfterReload = sinceReload().filter((f) => f.flags & SNAPSHOT).length;

  await api.call('DELETE', `/v1.3/visitors/${args.short_id}/session`);
  const ended = await ctx.waitFor(() => received(frames, 'session', 'ended') + 1, 10000) - 1;
  await page.evaluate(() => window.addLine('AFTEREND'));
  // Long past a flush (the next task), then a message the page does send: everything
  // before it is in.
  await page.waitForTimeout(300);
  await page.evaluate(() => history.pushState(null, '', '?after=end'));
  await ctx.waitFor(() => frames.some((f) => f.direction === 'sent' && f.text && f.text.includes('after=end')), 10000);
  return {
    before_session: beforeSession,
    snapshot: { flags: snapshot.flags, has_text: snapshot.text.includes('BEFORESESSION'), first_type: snapshot.events[0].type },
    incremental: { flags: incremental.flags, types: incremental.events.map((e) => e.type) },
    snapshots_after_reload: snapshotsAfterReload,
    after_end: frames.slice(ended).filter((f) => f.direction === 'sent' && f.binary).map(describe),
    frames: frames.map(describe),
  };
}
