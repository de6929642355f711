// Helpers shared by the api_* scenarios (not a scenario itself): Tandem's REST API as an
// integrator's backend calls it, from Node, while the browsers act.

import { requireArgs } from './app_common.mjs';

// A client of the REST API at args.control with args.api_key; also checks `keys` are given.
export function restApi(scenario, args, keys = []) {
  requireArgs(scenario, args, ['control', 'api_key', ...keys]);
  const call = async (method, path, body) => {
    const response = await fetch(args.control + path, {
      method,
      headers: { 'x-api-key': args.api_key, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await response.json();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  return {
    call,
    visitor: async (shortId) => (await call('GET', `/v1.3/visitors/${shortId}`)).visitor,
    sessions: async (query = '') => (await call('GET', `/v1.3/cobrowsing_sessions/list${query}`)).cobrowsing_sessions,
  };
}

// Polls the visitor record in the background until stopped, keeping every reading that
// says offline: `is_online` must hold while pages follow each other.
export function watchOnline(api, shortId) {
  const seen = { polls: 0, offline: [] };
  let running = true;
  const loop = (async () => {
    while (running) {
      const visitor = await api.visitor(shortId);
      seen.polls += 1;
      if (!visitor.is_online) seen.offline.push({ url: visitor.url, at: Date.now() });
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  return {
    seen,
    stop: async () => {
      running = false;
      await loop;
      return seen;
    },
  };
}
