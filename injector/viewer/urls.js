// The visitor's page refers to its assets by label URLs
// (`http(s)://<label>.<zone>[:port]/path`); the agent has no binding cookie and loads
// them through the asset endpoint of its own link instead
// (`/watch/s/<link id>/asset/<label>/path`), which the replay's CSP allows. Every URL in
// attributes, styles and style rules of the events is rewritten before the replayer sees
// it; text the visitor reads is left as it is.

/** A function rewriting one rrweb event in place, for the zone at `contentOrigin`. */
function makeAssetRewriter(contentOrigin, assetBase) {
  const zone = new URL(contentOrigin);
  const escaped = (zone.hostname + (zone.port ? ':' + zone.port : '')).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp('(?:https?:)?//([a-z0-9-]+)\\.' + escaped + '(?![a-z0-9.:-])', 'gi');
  const rewrite = (text) => (text.includes(zone.hostname) ? text.replace(pattern, (_, label) => assetBase + label.toLowerCase()) : text);
  // Text nodes and typed values are what the visitor reads: not URLs to load.
  const visit = (value, key, parent) => {
    if (typeof value === 'string') {
      if (key === 'text' || key === 'value' || (key === 'textContent' && !parent.isStyle)) return value;
      return rewrite(value);
    }
    if (value && typeof value === 'object') {
      for (const k of Object.keys(value)) value[k] = visit(value[k], k, value);
    }
    return value;
  };
  return (event) => visit(event, '', null);
}

if (typeof module === 'object' && module.exports) module.exports = { makeAssetRewriter };
