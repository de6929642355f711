// Helpers shared by the app_* scenarios (not a scenario itself).

// Throws unless every key is present in args, naming the scenario.
export function requireArgs(scenario, args, keys) {
  for (const key of keys) {
    if (!args[key]) throw new Error(`${scenario}: args.${key} is required`);
  }
}

// Where the page is, comparable between a direct run and a run through Tandem: path and
// query while on base_url's origin, the full URL otherwise (also collected in `foreign`).
export function locator(page, baseUrl) {
  const base = new URL(baseUrl).origin;
  const foreign = [];
  const here = () => {
    const url = new URL(page.url());
    if (url.origin !== base) {
      foreign.push(url.href);
      return url.href;
    }
    return url.pathname + url.search;
  };
  return { base, foreign, here };
}
