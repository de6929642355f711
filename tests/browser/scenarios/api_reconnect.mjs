// The presence socket comes back after a drop: once the visitor's page is open and
// online, the scenario has the relay between the browser and Tandem cut every
// connection, then watches the page's WebSockets and polls the visitor record until a
// new presence socket is open and the record is online again at the page's URL. It
// keeps each change of `is_online` it read.
//
//   args: { proxy_url, control, api_key, short_id, url, cut_url }   (url: the page's real URL)
//   result: { cut, sockets: [{ url, closed }], transitions: [bool], record }
import { restApi } from './api_common.mjs';

export default async function apiReconnect(page, args, ctx) {
  const api = restApi('api_reconnect', args, ['proxy_url', 'short_id', 'url', 'cut_url']);
  const sockets = [];
  page.on('websocket', (socket) => {
    const seen = { url: socket.url(), closed: false };
    sockets.push(seen);
    socket.on('close', () => {
      seen.closed = true;
    });
  });
  await page.goto(args.proxy_url, { waitUntil: 'load' });
  await ctx.waitFor(async () => {
    const visitor = await api.visitor(args.short_id);
    return visitor.is_online && visitor.url === args.url;
  }, 15000);

  const transitions = [true];
  const cut = Number(await (await fetch(args.cut_url, { method: 'POST' })).text());
  const record = await ctx.waitFor(async () => {
    const visitor = await api.visitor(args.short_id);
    if (transitions[transitions.length - 1] !== visitor.is_online) transitions.push(visitor.is_online);
    const reconnected = sockets.length >= 2 && sockets[0].closed && !sockets[sockets.length - 1].closed;
    return reconnected && visitor.is_online && visitor.url === args.url && visitor;
  }, 30000, 20).catch((e) => {
    throw new Error(`${e.message}; sockets ${JSON.stringify(sockets)}, is_online read ${JSON.stringify(transitions)}`);
  });
  return { cut, sockets, transitions, record };
}
