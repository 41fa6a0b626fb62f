#!/usr/bin/env node
// The `sockerless` command. npm links a package's bins when it installs it, which in a fresh clone is
// before `tsc -b` has made dist/: a bin pointing into dist/ is then not linked at all, and `npx sockerless`
// finds nothing until a second install. This committed file is always there; it runs the built CLI.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const main = join(__dirname, '..', 'dist', 'main.js');
if (!existsSync(main)) {
  process.stderr.write('sockerless: not built yet: run `npm run build` (or `npm start`) at the root of the repository first\n');
  process.exit(1);
}
require(main);
