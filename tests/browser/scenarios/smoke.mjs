// Smoke scenario: load args.url and report what the page shows.
//   args: { url: string }
//   result: { title, url, text }  (text: first 200 chars of body text)
export default async function smoke(page, args, ctx) {
  if (!args.url) throw new Error('smoke: args.url is required');
  const response = await page.goto(args.url, { waitUntil: 'load' });
  const text = await page.evaluate(() => (document.body ? document.body.innerText : ''));
  return {
    title: await page.title(),
    url: page.url(),
    status: response ? response.status() : null,
    text: text.slice(0, 200),
  };
}
