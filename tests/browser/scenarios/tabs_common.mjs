// A visitor's browser whose tabs are hidden and shown as in a real window (not a
// scenario itself). Playwright keeps every page it drives "visible" (it emulates focus,
// which keeps a page painted), so a test of which tab the visitor is using needs a
// Chromium of its own: started here with a DevTools port and driven over CDP without
// Playwright's defaults, where `bringToFront()` switches tabs and the others are hidden.
// It dies with the driver, however the driver ends: a shell between them holds a pipe
// from the driver and kills the browser when that pipe closes (Playwright's own
// browser lives on such a pipe too).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from '../chromium_args.mjs';

const ARGS = [...CHROMIUM_ARGS, '--remote-debugging-port=0'];

/** Runs the browser in the background until the shell's input (the driver's pipe) ends. */
const KEEPER = '"$@" & browser=$!; read -r _; kill -9 "$browser"';

/** Starts the browser: `{ newTab() }`, tabs of one window sharing one cookie jar. */
export async function realTabs(ctx) {
  // Inside the driver's temporary directory (its TMPDIR), removed when it exits.
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'tabs-'));
  const executable = process.env.TANDEM_TEST_CHROMIUM || '/usr/bin/chromium';
  const child = spawn('/bin/sh', ['-c', KEEPER, 'sh', executable, ...ARGS, `--user-data-dir=${profile}`, 'about:blank'], {
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  process.on('exit', () => child.stdin.end());
  const endpoint = await new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error('the tabs browser did not start')), 20000);
    child.stderr.on('data', (chunk) => {
      output += chunk;
      const found = /DevTools listening on (ws:\/\/\S+)/.exec(output);
      if (found) {
        clearTimeout(timer);
        resolve(found[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`the tabs browser exited (${code}): ${output.slice(-500)}`)));
  });
  const browser = await chromium.connectOverCDP(endpoint, { noDefaults: true });
  const context = browser.contexts()[0];
  let blank = context.pages()[0] || null;
  let opened = 0;
  ctx.log('tabs browser at', endpoint);
  return {
    /** A new tab in front of the others (the first one is the window's own). */
    async newTab() {
      const tab = blank || (await context.newPage());
      blank = null;
      const name = `tab${++opened}`;
      tab.on('console', (message) => ctx.log(`${name} console.${message.type()}: ${message.text()}`));
      tab.on('pageerror', (error) => ctx.log(`${name} pageerror: ${error.message}`));
      await tab.bringToFront();
      return tab;
    },
  };
}
