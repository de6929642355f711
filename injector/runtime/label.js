// Labels and the URL mapper, the in-page twin of src/origin/label.rs and
// src/rewrite/url.rs. Both encoders are checked against fixtures/label-vectors.json.
//
// A direct label is `<session><h|s><port if not default>-<host>`, the host with `-`
// written as `--` and `.` as `-`. Origins that do not fit in 63 characters, or whose
// host is not a plain LDH name (IPv6 literals, underscores), need the server's hashed
// fallback label: the runtime sends such URLs to `/__tandem/to`, which redirects there
// (WebSockets, which follow no redirect, to `/__tandem/ws`, which connects them).
'use strict';

const SESSION_ID_LEN = 8;
const MAX_LABEL_LEN = 63;
const LDH_PART = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const SESSION_ID = /^[a-z2-7]{8}$/;
const WEB_SCHEMES = { 'http:': false, 'https:': true, 'ws:': false, 'wss:': true };

/** The direct label of an origin ({secure, host, port: '' when default}), or null. */
function encodeLabel(session, origin) {
  const host = origin.host;
  if (!host.split('.').every((part) => LDH_PART.test(part))) return null;
  const label =
    session + (origin.secure ? 's' : 'h') + origin.port + '-' + host.replace(/-/g, '--').replace(/\./g, '-');
  return label.length <= MAX_LABEL_LEN ? label : null;
}

/** The origin a URL names ({secure, host, port}), from a URL object; null for other schemes. */
function originOf(url) {
  if (!(url.protocol in WEB_SCHEMES) || !url.hostname) return null;
  // The URL parser already lower-cases, punycodes and drops default ports (ws shares
  // http's 80, wss https's 443), exactly as the server's parser does.
  return { secure: WEB_SCHEMES[url.protocol], host: url.hostname, port: url.port };
}

/** Reads a direct label: {session, origin} or null (fallback or not a label). */
function decodeLabel(label) {
  const session = label.slice(0, SESSION_ID_LEN);
  const match = /^([hs])([0-9]*)-(.+)$/.exec(label.slice(SESSION_ID_LEN));
  if (!SESSION_ID.test(session) || !match) return null;
  // In the encoded host a run of one hyphen is a dot and a run of 2k hyphens k hyphens.
  let bad = false;
  const host = match[3].replace(/-+/g, (run) => {
    if (run.length === 1) return '.';
    if (run.length % 2) bad = true;
    return '-'.repeat(run.length / 2);
  });
  const origin = { secure: match[1] === 's', host, port: match[2] };
  // Only canonical labels count, as on the server (no default port, no leading zero).
  return !bad && encodeLabel(session, origin) === label && canonicalPort(origin) ? { session, origin } : null;
}

function canonicalPort(origin) {
  if (origin.port === '') return true;
  const n = Number(origin.port);
  return String(n) === origin.port && n > 0 && n < 65536 && n !== (origin.secure ? 443 : 80);
}

/**
 * A mapper for the page at `location` (a browser-side URL of a label): maps absolute URLs
 * to any http(s)/ws(s) origin to that origin's label, keeping the rest as written.
 * Returns null when the reference stays as it is.
 */
function makeMapper(location) {
  const host = location.hostname;
  const dot = host.indexOf('.');
  const label = host.slice(0, dot);
  const zone = host.slice(dot + 1);
  const session = label.slice(0, SESSION_ID_LEN);
  const contentSecure = location.protocol === 'https:';
  const portSuffix = location.port ? ':' + location.port : '';
  // The page's real origin, when its label says it (scheme-relative URLs take its scheme).
  const decoded = decodeLabel(label);
  const here = decoded && decoded.session === session ? decoded.origin : null;
  const realScheme = here ? (here.secure ? 'https:' : 'http:') : location.protocol;
  const inZone = (h) => h === zone || h.endsWith('.' + zone);

  function mapUrl(raw, directOnly) {
    const text = String(raw).replace(/^[\t\n\f\r ]+|[\t\n\f\r ]+$/g, '');
    let scheme;
    let afterSlashes;
    if (/^[/\\]{2}/.test(text)) {
      scheme = realScheme.slice(0, -1);
      afterSlashes = text.slice(2);
    } else {
      const m = /^([a-zA-Z]+):[/\\]{2}/.exec(text);
      if (!m || !(m[1].toLowerCase() + ':' in WEB_SCHEMES)) return null;
      scheme = m[1].toLowerCase();
      afterSlashes = text.slice(m[0].length);
    }
    let url;
    try {
      url = new URL(scheme + '://' + afterSlashes);
    } catch {
      return null;
    }
    // URLs the page built from its own location are already inside the zone.
    if (inZone(url.hostname)) return null;
    const origin = originOf(url);
    const target = origin && encodeLabel(session, origin);
    const websocket = scheme === 'ws' || scheme === 'wss';
    if (!target) {
      // Only the server knows a hashed fallback label: it redirects there (307) from the
      // page's own label. A WebSocket follows no redirect: the server connects it.
      if (!origin || directOnly) return null;
      const own = websocket ? (contentSecure ? 'wss://' : 'ws://') + location.host + '/__tandem/ws?url='
        : location.protocol + '//' + location.host + '/__tandem/to?url=';
      return own + encodeURIComponent(scheme + '://' + afterSlashes);
    }
    const end = afterSlashes.search(/[/?#\\]/);
    // `https:///host/x` is `https://host/x` to browsers: take the parser's path then.
    const rest = end === 0 ? url.pathname + url.search + url.hash : end < 0 ? '' : afterSlashes.slice(end);
    const out = (websocket ? 'ws' : 'http') + (contentSecure ? 's' : '') + '://';
    return out + target + '.' + zone + portSuffix + rest;
  }

  /** The browser-side origin of a real origin string such as `https://shop.test`. */
  function mapOrigin(realOrigin) {
    const mapped = mapUrl(String(realOrigin) + '/', true);
    return mapped && mapped.slice(0, -1);
  }

  /** The real origin of a browser-side origin on a label of this session, or null. */
  function realOrigin(origin) {
    let url;
    try {
      url = new URL(String(origin));
    } catch {
      return null;
    }
    const dot = url.hostname.indexOf('.');
    if (dot < 0 || url.hostname.slice(dot + 1) !== zone || url.port !== location.port) return null;
    const decoded = decodeLabel(url.hostname.slice(0, dot));
    if (!decoded || decoded.session !== session) return null;
    const real = decoded.origin;
    return (real.secure ? 'https://' : 'http://') + real.host + (real.port ? ':' + real.port : '');
  }

  return { session, zone, here, mapUrl, mapOrigin, realOrigin };
}

if (typeof module === 'object' && module.exports) {
  module.exports = { encodeLabel, decodeLabel, originOf, makeMapper };
}
