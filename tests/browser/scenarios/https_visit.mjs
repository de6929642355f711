// A visit over https: the entry link to the landing page, then a WebSocket the page
// opens to its own site, which greets with the cookies it got and echoes what it is sent.
//
//   args: { proxy_url, websocket_url }
//   result: { location, title, greeting, echo }
export default async function httpsVisit(page, args) {
  await page.goto(args.proxy_url, { waitUntil: 'load' });
  const messages = await page.evaluate(
    (url) =>
      new Promise((resolve, reject) => {
        const socket = new WebSocket(url);
        const seen = [];
        socket.onmessage = (event) => {
          seen.push(String(event.data));
          if (seen.length === 1) socket.send('hello over https');
          else resolve(seen);
        };
        socket.onerror = () => reject(new Error(`the WebSocket to ${url} failed`));
      }),
    args.websocket_url,
  );
  return { location: page.url(), title: await page.title(), greeting: messages[0], echo: messages[1] };
}
