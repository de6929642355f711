#!/usr/bin/env node
// Thin Chromium driver for Tandem's Rust integration tests.
//
//   node run.mjs <scenario> '<json args>'
//
// Loads ./scenarios/<scenario>.mjs, whose default export is
//   async function (page, args, ctx) -> JSON-serialisable result
// and prints exactly one line on stdout:
//   RESULT <json>            on success (exit 0)
//   ERROR <message>          on failure (exit 1); the message carries the page
//                            URL and the path of a screenshot.
// Everything else (browser console errors, failed requests, scenario logging,
// stack traces) goes to stderr.
//
// Environment:
//   TANDEM_TEST_CHROMIUM   Chromium binary (default /usr/bin/chromium)
//   TANDEM_TEST_ARTIFACTS  directory for failure screenshots (default os.tmpdir())
//
// args.timeout_ms bounds the whole run (default 60000), so this never hangs.
// args.back_forward_cache: true runs Chromium with its back-forward cache (Playwright
// turns it off by default).
// args.trust_ca: a CA certificate file (PEM) that Chromium trusts as an installed root;
// certificate errors are then errors (otherwise they are ignored, for upstream fixtures).
// args.loopback_only: true makes every host but localhost, *.localhost and 127.0.0.1 fail to
// resolve (Chromium's host resolver rules): nothing leaves the machine without request
// interception, which turns the HTTP cache off (for measurements with the cache on).
// args.record_network: true adds `network` to an object result: every response of the
// main page with its protocol, connection id, content coding and bytes on the wire.
//
// ctx:
//   ctx.args                   the parsed args
//   ctx.browser, ctx.context   the playwright Browser and the page's BrowserContext
//   ctx.waitFor(fn, timeoutMs = 10000, intervalMs = 50)
//                              polls (async) fn until it returns a truthy value,
//                              returns that value; throws on timeout
//   ctx.cookies(urls?)         cookies of the page's browser context
//   ctx.newContext(options?)   another isolated browser context (a second user);
//                              returns { context, page, cookies() }
//   ctx.screenshot(name)       saves a PNG of the main page to the artifacts dir, returns its path
//   ctx.log(...)               debug output to stderr

import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from './chromium_args.mjs';

const LOOPBACK_ONLY = '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE *.localhost, EXCLUDE 127.0.0.1';
import { homeTrusting, recordNetwork } from './trust.mjs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

// stdout is reserved for the single RESULT/ERROR line: route scenario logging to stderr.
const log = (...a) => console.error('[browser]', ...a);
console.log = (...a) => console.error(...a);
console.info = console.log;
console.debug = console.log;

// eslint-disable-next-line no-control-regex
const oneLine = (s) => String(s).replace(/\x1b\[[0-9;]*m/g, '').replace(/\s*\n\s*/g, ' | ').trim();

let finished = false;
function finish(line, code) {
  if (finished) return;
  finished = true;
  process.stdout.write(line + '\n', () => process.exit(code));
}

// Chromium's profile dir (playwright creates it under os.tmpdir()) and any other
// temporary files go into one fresh directory that is removed on exit.
const artifactsDir = process.env.TANDEM_TEST_ARTIFACTS || os.tmpdir();
const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-browser-'));
process.env.TMPDIR = workDir;
process.on('exit', () => {
  try {
    fs.rmSync(workDir, { recursive: true, force: true, maxRetries: 3 });
  } catch {}
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => finish(`ERROR killed by ${sig}`, 1));
}

const [scenario, rawArgs] = process.argv.slice(2);
if (!scenario || !/^[A-Za-z0-9_.-]+$/.test(scenario)) {
  finish(`ERROR usage: node run.mjs <scenario> '<json args>' (got scenario ${JSON.stringify(scenario)})`, 1);
} else {
  main().catch((e) => finish(`ERROR internal: ${oneLine(e && e.stack ? e.stack : e)}`, 1));
}

async function main() {
  let args;
  try {
    args = rawArgs ? JSON.parse(rawArgs) : {};
  } catch (e) {
    return finish(`ERROR bad json args: ${oneLine(e.message)}`, 1);
  }
  if (args === null || typeof args !== 'object' || Array.isArray(args)) {
    return finish('ERROR json args must be an object', 1);
  }
  const timeoutMs = Number.isFinite(args.timeout_ms) ? args.timeout_ms : 60000;

  let browser = null;
  let page = null;

  async function screenshot(name) {
    if (!page || page.isClosed()) return null;
    fs.mkdirSync(artifactsDir, { recursive: true });
    const file = path.join(
      artifactsDir,
      `tandem-browser-${scenario}-${name}-${Date.now()}-${process.pid}.png`,
    );
    await page.screenshot({ path: file, fullPage: true, timeout: 5000 });
    return file;
  }

  async function fail(err) {
    const msg = err && err.message ? err.message : String(err);
    if (err && err.stack) log(err.stack);
    let url = '(no page)';
    try {
      if (page && !page.isClosed()) url = page.url();
    } catch {}
    let shot = '(none)';
    try {
      shot = (await withTimeout(screenshot('failure'), 7000, 'screenshot')) || '(none)';
    } catch (e) {
      shot = `(screenshot failed: ${oneLine(e.message)})`;
    }
    await closeBrowser();
    finish(`ERROR ${oneLine(msg)} [url=${url}] [screenshot=${shot}]`, 1);
  }

  async function closeBrowser() {
    if (!browser) return;
    const b = browser;
    browser = null;
    try {
      await withTimeout(b.close(), 5000, 'browser.close');
    } catch (e) {
      log('browser close failed:', e.message);
    }
  }

  const timer = setTimeout(() => {
    fail(new Error(`scenario '${scenario}' timed out after ${timeoutMs} ms`));
    // Last resort if even the failure path hangs.
    setTimeout(() => finish(`ERROR scenario '${scenario}' timed out after ${timeoutMs} ms (hard exit)`, 1), 10000).unref();
  }, timeoutMs);

  try {
    const scenarioFile = path.join(HERE, 'scenarios', `${scenario}.mjs`);
    if (!fs.existsSync(scenarioFile)) throw new Error(`no such scenario: ${scenarioFile}`);
    const mod = await import(pathToFileURL(scenarioFile).href);
    if (typeof mod.default !== 'function') throw new Error(`${scenarioFile} has no default export function`);

    const env = args.trust_ca ? { ...process.env, HOME: homeTrusting(args.trust_ca, workDir) } : undefined;
    browser = await chromium.launch({
      env,
      executablePath: process.env.TANDEM_TEST_CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: args.loopback_only ? [...CHROMIUM_ARGS, LOOPBACK_ONLY] : CHROMIUM_ARGS,
      // Playwright turns the back-forward cache off; a scenario may want it as browsers have it.
      ignoreDefaultArgs: args.back_forward_cache ? ['--disable-back-forward-cache'] : [],
      timeout: Math.min(timeoutMs, 30000),
    });

    const newContext = async (options = {}) => {
      const context = await browser.newContext({ ignoreHTTPSErrors: !args.trust_ca, ...options });
      const label = `ctx${browser.contexts().length}`;
      const p = await context.newPage();
      watchPage(p, label);
      return { context, page: p, cookies: (urls) => context.cookies(urls) };
    };

    const main = await newContext();
    page = main.page;
    const ctx = {
      args,
      browser,
      context: main.context,
      waitFor,
      cookies: (urls) => main.context.cookies(urls),
      newContext,
      screenshot,
      log,
      artifactsDir,
    };

    const network = args.record_network ? await recordNetwork(page) : null;
    const result = await mod.default(page, args, ctx);
    if (network && result && typeof result === 'object') result.network = network();
    const json = JSON.stringify(result === undefined ? null : result);
    clearTimeout(timer);
    await closeBrowser();
    finish(`RESULT ${json}`, 0);
  } catch (e) {
    clearTimeout(timer);
    await fail(e);
  }
}

function watchPage(p, label) {
  p.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') {
      log(`${label} console.${msg.type()}: ${msg.text()} (${p.url()})`);
    }
  });
  p.on('pageerror', (err) => log(`${label} pageerror: ${err.message} (${p.url()})`));
  p.on('requestfailed', (req) => {
    const f = req.failure();
    log(`${label} request failed: ${req.method()} ${req.url()} ${f ? f.errorText : ''}`);
  });
  p.on('response', (res) => {
    if (res.status() >= 400) log(`${label} HTTP ${res.status()} ${res.request().method()} ${res.url()}`);
  });
  p.on('crash', () => log(`${label} page crashed (${p.url()})`));
}

async function waitFor(fn, timeoutMs = 10000, intervalMs = 50) {
  const deadline = Date.now() + timeoutMs;
  let lastErr = null;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      lastErr = null;
    } catch (e) {
      lastErr = e;
    }
    if (Date.now() >= deadline) {
      const why = lastErr ? `; last error: ${lastErr.message}` : '';
      throw new Error(`waitFor timed out after ${timeoutMs} ms${why}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

function withTimeout(promise, ms, what) {
  let t;
  return Promise.race([
    promise,
    new Promise((_, rej) => {
      t = setTimeout(() => rej(new Error(`${what} timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(t));
}
