// JupyterLite (PyPI jupyterlite-core, with jupyterlite-echo-kernel) as a user starts
// with it: JupyterLab loads, its service worker takes control of the page (claim, then
// again after a reload, when the navigation itself goes through the worker), a new
// notebook is made from the launcher's echo-kernel card, and a cell runs there. Run once
// directly and once through Tandem by the same Rust test.
//
//   args: { base_url, entry_url?, lab_path, code }
//         base_url: the site's origin as the browser sees it (its own, or the session's
//                   label for it); entry_url: Tandem's entry link, opened first when
//                   given (it binds the browser and lands on the lab); lab_path: the
//                   lab's path; code: the text typed into the first cell.
//   result: { service_worker: { script, scope, claimed, after_reload, navigation_via_worker },
//             worker_runtime, notebook: { tab, kernel, prompt, output }, resource_origins,
//             foreign_requests, runtime, cookies: [name] }
//         script, scope: paths on base_url's origin (full URLs elsewhere);
//         worker_runtime: for each service worker of the context, the version of
//         Tandem's runtime in it, or null;
//         resource_origins: the distinct origins of every resource the page loaded
//         (performance entries: also those the service worker answered);
//         foreign_requests: URLs of requests to other origins (aborted).
import { requireArgs } from './app_common.mjs';

export default async function jupyterlite(page, args, ctx) {
  requireArgs('app_jupyterlite', args, ['base_url', 'lab_path', 'code']);
  const base = new URL(args.base_url).origin;
  const foreign = [];
  // Anything for another origin is listed and refused, so that nothing leaves the machine.
  await ctx.context.route(
    (url) => url.origin !== base && (url.protocol === 'http:' || url.protocol === 'https:'),
    (route) => {
      foreign.push(route.request().url());
      return route.abort();
    },
  );
  const local = (href) => {
    const url = new URL(href);
    return url.origin === base ? url.pathname : url.href;
  };

  // 1. The lab, and its service worker taking control of the page (clients.claim()).
  await page.goto(args.entry_url || `${base}${args.lab_path}`, { waitUntil: 'load' });
  const runtime = await page.evaluate(() => {
    const marker = window[Symbol.for('tandem.runtime')];
    return marker ? marker.version : null;
  });
  const registration = await page.evaluate(() =>
    Promise.race([
      navigator.serviceWorker.ready.then((r) => ({ script: r.active.scriptURL, scope: r.scope })),
      new Promise((resolve) => setTimeout(() => resolve(null), 20000)),
    ]),
  );
  if (!registration) throw new Error('app_jupyterlite: no active service worker within 20 s');
  const claimed = await ctx
    .waitFor(() => page.evaluate(() => navigator.serviceWorker.controller !== null), 10000)
    .catch(() => false);

  // 2. After a reload the worker controls the page from its first request on.
  await page.reload({ waitUntil: 'load' });
  const afterReload = await page.evaluate(() => ({
    controller: navigator.serviceWorker.controller ? navigator.serviceWorker.controller.scriptURL : null,
    via_worker: performance.getEntriesByType('navigation')[0].workerStart > 0,
  }));

  // Tandem's worker part, which the server puts before a service worker's script.
  const workerRuntime = await Promise.all(
    ctx.context.serviceWorkers().map((worker) =>
      worker.evaluate(() => {
        const marker = self[Symbol.for('tandem.runtime')];
        return marker ? marker.version : null;
      }),
    ),
  );

  // 3. A new notebook from the launcher's card of the echo kernel, and one cell run.
  const card = page.locator('.jp-LauncherCard[data-category="Notebook"]');
  await card.first().waitFor({ timeout: 30000 });
  await card.first().click();
  const cell = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell').first();
  await cell.locator('.cm-content').waitFor({ timeout: 20000 });
  await page
    .locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator[data-status="idle"]')
    .waitFor({ state: 'attached', timeout: 20000 })
    .catch(() => {});
  await cell.locator('.cm-content').click();
  await page.keyboard.type(args.code);
  await page.keyboard.press('Shift+Enter');
  const output = cell.locator('.jp-OutputArea-output');
  await output.first().waitFor({ timeout: 20000 });
  const notebook = {
    tab: (await page.locator('.lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel').first().textContent()).trim(),
    kernel: (await page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-KernelName').first().textContent()).trim(),
    prompt: (await cell.locator('.jp-OutputArea-prompt').first().textContent()).trim(),
    output: (await output.first().textContent()).trim(),
  };

  const resourceOrigins = await page.evaluate(() => [
    ...new Set(performance.getEntriesByType('resource').map((e) => new URL(e.name).origin)),
  ]);
  const cookies = (await ctx.cookies()).map((c) => c.name).sort();
  return {
    service_worker: {
      script: local(registration.script),
      scope: local(registration.scope),
      claimed: Boolean(claimed),
      after_reload: afterReload.controller && local(afterReload.controller),
      navigation_via_worker: afterReload.via_worker,
    },
    worker_runtime: workerRuntime,
    notebook,
    resource_origins: resourceOrigins.map((o) => (o === base ? 'base' : o)),
    foreign_requests: foreign,
    runtime,
    cookies,
  };
}
