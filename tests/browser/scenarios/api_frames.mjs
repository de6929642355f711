// Frames of a session page stay silent: only the top page holds a presence socket.
// Opens app.test/frames-reused (a frame of /frames-child on the same label, and a
// popup), waits until the frame has loaded with the runtime, then has the frame open a
// probe WebSocket, which shows that sockets of frames are observed at all. Counts the
// sockets the main page and its frames opened.
//
//   args: { proxy_url }   (of a session whose initial URL is app.test/frames-reused)
//   result: { sockets: [url], frame_url, frame_runtime, out }
export default async function apiFrames(page, args, ctx) {
  if (!args.proxy_url) throw new Error('api_frames: args.proxy_url is required');
  const sockets = [];
  page.on('websocket', (socket) => sockets.push(socket.url()));
  await page.goto(args.proxy_url, { waitUntil: 'load' });
  const out = await ctx.waitFor(async () => (await page.textContent('#out')).trim(), 15000);
  const frame = page.frames().find((f) => f !== page.mainFrame() && f.url().includes('/frames-child'));
  if (!frame) throw new Error(`no frames-child frame among ${page.frames().map((f) => f.url())}`);
  const frameRuntime = await frame.evaluate(() => Boolean(window[Symbol.for('tandem.runtime')]));
  await frame.evaluate(() => {
    new WebSocket(location.origin.replace(/^http/, 'ws') + '/probe-socket');
  });
  await ctx.waitFor(() => sockets.some((u) => u.endsWith('/probe-socket')), 10000);
  return { sockets, frame_url: frame.url(), frame_runtime: frameRuntime, out: JSON.parse(out) };
}
