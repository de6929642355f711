// Minifies Tandem's runtimes for build.rs: `node minify.cjs SOURCE OUTPUT [SOURCE OUTPUT]...`,
// with SWC's minifier at the version package-lock.json pins (build.rs puts its node_modules
// on NODE_PATH). All comments go: build.rs writes the header and the license notice back on
// top. SWC was chosen by measurement (BENCHMARKS.md, "In-page runtime size"): the smallest
// output of the minifiers tried, in a fraction of a second.
'use strict';

const fs = require('node:fs');
const { minifySync } = require('@swc/core');

const OPTIONS = { compress: true, mangle: true, module: false, format: { comments: false } };

const args = process.argv.slice(2);
if (args.length === 0 || args.length % 2 !== 0) {
  console.error('usage: node minify.cjs SOURCE OUTPUT [SOURCE OUTPUT]...');
  process.exit(2);
}
for (let i = 0; i < args.length; i += 2) {
  const { code } = minifySync(fs.readFileSync(args[i], 'utf8'), OPTIONS);
  fs.writeFileSync(args[i + 1], code.endsWith('\n') ? code : code + '\n');
}
