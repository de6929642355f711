// What a run over https needs: a Chromium that trusts the test's CA as a user's machine
// trusts an installed root (Chromium on Linux reads user roots from the NSS database in
// $HOME/.pki/nssdb; certutil comes from Debian's libnss3-tools), and a record of the
// protocol, connection and coding of every response, from the DevTools protocol.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

// A fresh HOME under workDir whose NSS database trusts the CA in caFile for TLS servers.
export function homeTrusting(caFile, workDir) {
  const home = path.join(workDir, 'home');
  const db = `sql:${path.join(home, '.pki', 'nssdb')}`;
  fs.mkdirSync(path.join(home, '.pki', 'nssdb'), { recursive: true });
  try {
    execFileSync('certutil', ['-N', '-d', db, '--empty-password'], { stdio: 'pipe' });
    execFileSync('certutil', ['-A', '-d', db, '-n', 'Tandem test CA', '-t', 'C,,', '-i', caFile], { stdio: 'pipe' });
  } catch (e) {
    throw new Error(`cannot make Chromium trust ${caFile}: certutil failed (apt install libnss3-tools): ${e.message}`);
  }
  return home;
}

// Starts recording page's responses; returns a function giving what was recorded:
// [{ url, status, protocol, connection, encoding, bytes, from_service_worker, from_cache }],
// bytes as on the wire (0 for a response the browser's cache gave).
export async function recordNetwork(page) {
  const cdp = await page.context().newCDPSession(page);
  const byRequest = new Map();
  cdp.on('Network.responseReceived', ({ requestId, response }) => {
    const headers = Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k.toLowerCase(), v]));
    byRequest.set(requestId, {
      url: response.url,
      status: response.status,
      protocol: response.protocol,
      connection: response.connectionId,
      encoding: headers['content-encoding'] || null,
      bytes: null,
      from_service_worker: !!response.fromServiceWorker,
      from_cache: !!(response.fromDiskCache || response.fromPrefetchCache),
    });
  });
  cdp.on('Network.loadingFinished', ({ requestId, encodedDataLength }) => {
    const entry = byRequest.get(requestId);
    if (entry) entry.bytes = entry.from_cache ? 0 : encodedDataLength;
  });
  await cdp.send('Network.enable');
  return () => [...byRequest.values()];
}
