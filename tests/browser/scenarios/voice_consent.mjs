// Pages try to answer the consent prompt for the visitor (tests/it/visitor_voice.rs).
// The visitor's page (with a third-party script, `window.voiceAttack`) is in front; a
// hostile site of the same session is in a background tab. An agent asks to see the page:
//   1. both scripts allow, end the session and decline on presence sockets of their own;
//   2. both post answers into every frame (the panel), read their documents, click;
//   3. the visitor switches to the hostile tab, which covers the panel with a decoy that
//      lets clicks through, and the visitor clicks the decoy right over "Allow";
//   4. the decoy gone, the visitor presses "Decline" there.
// After each step, an agent who joins now is told where the question stands.
//
//   args: { proxy_url, hostile_url, control, api_key, short_id }
//   result: { prompt, answered, after_sockets, reached, pages, covered, after_decline }
import { restApi } from './api_common.mjs';
import { clickOverlayButton, panelFrame, readOverlay } from './overlay_common.mjs';
import { realTabs } from './tabs_common.mjs';

export default async function voiceConsent(page, args, ctx) {
  const api = restApi('voice_consent', args, ['proxy_url', 'hostile_url', 'short_id']);
  const tabs = await realTabs(ctx);
  const visitor = await tabs.newTab();
  await visitor.goto(args.proxy_url, { waitUntil: 'load' });
  const hostile = await tabs.newTab();
  await hostile.goto(args.hostile_url, { waitUntil: 'load' });
  await visitor.bringToFront();
  await ctx.waitFor(async () => (await api.visitor(args.short_id)).is_online, 15000);

  const body = { agent: { id: 'agent-1', name: 'Ann' } };
  const { watch_url: watchUrl } = await api.call('POST', `/v1.3/visitors/${args.short_id}/watch_url`, body);
  const agent = (await ctx.newContext()).page;
  await agent.goto(watchUrl, { waitUntil: 'load' });
  await ctx.waitFor(async () => (await agent.$eval('#status', (e) => e.dataset.state)) === 'consent', 15000);
  const prompt = await ctx.waitFor(async () => {
    const overlay = await readOverlay(visitor);
    return overlay && overlay.text.includes('Allow') && overlay.text;
  }, 15000, 100);
  // Where the session stands, as told to an agent who joins now (read as it joins).
  const session = () =>
    agent.evaluate(
      () =>
        new Promise((resolve) => {
          const socket = new WebSocket(location.href.replace(/^http/, 'ws').replace(/\/$/, '') + '/live');
          socket.onmessage = (event) => {
            const message = JSON.parse(event.data);
            if (message.type !== 'hello') return;
            resolve({ consent: message.consent });
            socket.close();
          };
          socket.onerror = () => resolve({ ended: true });
        }),
    );

  // 1. Presence sockets of their own: `answered` once Tandem has read every message.
  const answered = [
    await hostile.evaluate(() => window.voiceAttack.answerForTheVisitor()),
    await visitor.evaluate(() => window.voiceAttack.answerForTheVisitor()),
  ];
  const afterSockets = await session();
  if (afterSockets.consent !== 'asked') return { prompt, answered, after_sockets: afterSockets };

  // 2. The panel, from the pages.
  const reached = [
    await hostile.evaluate(() => window.voiceAttack.reachThePanel()),
    await visitor.evaluate(() => window.voiceAttack.reachThePanel()),
  ];

  // 3. Clickjacking in the hostile tab, where the visitor is now.
  await hostile.bringToFront();
  const allow = await ctx.waitFor(async () => {
    const frame = panelFrame(hostile);
    const button = frame && frame.getByRole('button', { name: 'Allow', exact: true });
    return button && (await button.isEnabled().catch(() => false)) && button;
  }, 15000, 100);
  const box = await allow.boundingBox();
  await hostile.evaluate(() => window.voiceAttack.cover());
  // The decoy has been on screen long enough to be what the visitor clicks.
  const disarmed = await ctx.waitFor(async () => !(await allow.isEnabled()), 5000, 50);
  const at = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  const underPointer = await hostile.evaluate(({ x, y }) => document.elementFromPoint(x, y).localName, at);
  await hostile.mouse.click(at.x, at.y);
  await hostile.evaluate(() => window.voiceAttack.uncover());

  // 4. The visitor declines in that tab: only a question still asked takes an answer.
  await clickOverlayButton(hostile, 'Decline');
  const afterDecline = await ctx.waitFor(
    async () => {
      const now = await session();
      return now.consent !== 'asked' && now;
    },
    15000,
    250,
  );
  const pages = [];
  for (const tab of [hostile, visitor]) {
    pages.push(await tab.evaluate(() => ({ ...window.voiceAttack.state, heard: undefined })));
  }
  return {
    prompt,
    answered,
    after_sockets: afterSockets,
    reached,
    pages,
    covered: { under_pointer: underPointer, disarmed },
    after_decline: afterDecline,
  };
}
