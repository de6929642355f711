// Gzip bombs from a hostile page: the visitor's page (app.test/bomb-page) is watched by
// an agent; a script of the page fetches a bomb (a few MB of gzip that inflate to 4 GiB)
// and slips three of them, as gzipped mirror frames, into the runtime's own live socket
// ahead of its next frame. The agent's browser must never receive them, be told its
// copy is behind, and see the visitor's next change once the page sent a fresh snapshot.
//
//   args: { proxy_url, control, api_key, short_id }
//   result: { replayed, thrown, agent_big_frames, stale_shown, after, status_after }
import { restApi } from './api_common.mjs';

// Frames from this size are bombs: the page's honest frames are a few KB.
const BIG = 1024 * 1024;

export default async function mirrorBombs(page, args, ctx) {
  const api = restApi('mirror_bombs', args, ['proxy_url', 'short_id']);
  await page.goto(args.proxy_url, { waitUntil: 'load' });
  await ctx.waitFor(async () => (await api.visitor(args.short_id)).is_online, 15000);

  const agent = await ctx.newContext();
  const agentBigFrames = [];
  agent.page.on('websocket', (ws) =>
    ws.on('framereceived', ({ payload }) => {
      if (typeof payload !== 'string' && payload.length >= BIG) agentBigFrames.push(payload.length);
    }),
  );
  const { watch_url: watchUrl } = await api.call('POST', `/v1.3/visitors/${args.short_id}/watch_url`, {
    agent: { id: 'agent-1', name: 'Ann' },
  });
  await agent.page.goto(watchUrl, { waitUntil: 'load' });
  // Every state the status line goes through, however briefly.
  await agent.page.evaluate(() => {
    window.statesSeen = [];
    const status = document.getElementById('status');
    new MutationObserver(() => window.statesSeen.push(status.dataset.state)).observe(status, { attributes: true });
  });
  const replayText = async (selector) => {
    try {
      const handle = await agent.page.$('#frame iframe');
      const frame = handle && (await handle.contentFrame());
      return frame ? await frame.$eval(selector, (e) => e.textContent) : null;
    } catch {
      return null;
    }
  };
  const replayed = await ctx.waitFor(() => replayText('#title'), 20000);

  // The hostile script: the next message the runtime sends carries three bombs first.
  await page.evaluate(async () => {
    const bomb = new Uint8Array(await (await fetch('/gzip-bomb')).arrayBuffer());
    const frame = new Uint8Array(bomb.length + 1);
    frame[0] = 2; // GZIP, not a snapshot: a change of the mirrored page
    frame.set(bomb, 1);
    const send = WebSocket.prototype.send;
    window.thrown = 0;
    WebSocket.prototype.send = function (data) {
      if (this.url.endsWith('/__tandem/live') && window.thrown === 0) {
        for (; window.thrown < 3; window.thrown++) send.call(this, frame);
        WebSocket.prototype.send = send;
      }
      return send.call(this, data);
    };
    document.body.append(Object.assign(document.createElement('i'), { textContent: 'trigger' }));
  });
  const thrown = await ctx.waitFor(() => page.evaluate(() => window.thrown), 10000);
  await page.evaluate(() => {
    const p = Object.assign(document.createElement('p'), { id: 'after', textContent: 'AFTERBOMBS' });
    document.body.append(p);
  });
  const after = await ctx.waitFor(() => replayText('#after'), 30000).catch(() => null);
  const statusAfter = await ctx
    .waitFor(async () => ((await agent.page.textContent('#status')) === 'Live' ? 'Live' : null), 10000)
    .catch(() => agent.page.textContent('#status'));
  const statesSeen = await agent.page.evaluate(() => window.statesSeen);
  return {
    replayed,
    thrown,
    agent_big_frames: agentBigFrames,
    stale_shown: statesSeen.includes('stale'),
    states_seen: statesSeen,
    after,
    status_after: statusAfter,
  };
}
