#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';

/**
 * V8 grows the young generation to 32 MiB during bursts of allocation (loading the modules at boot, an
 * image import, a thousand creates) and keeps it: a third of an idle daemon's private memory, holding
 * nothing. Kept at its initial size, a scavenge runs more often but takes well under a millisecond, and a
 * container lifecycle takes the same time (bench/README.md has the figures). Set here, before any module
 * is loaded, and at run time because V8 honours this flag only then; a young-generation flag given to node
 * on its command line wins.
 */
if (!process.execArgv.some((a) => /^--(max-semi-space-size|semi-space-growth-factor)\b/.test(a))) {
  setFlagsFromString('--semi-space-growth-factor=1');
}

// Loaded after the flag is set, so that their own allocation already sees it.
const { parseCliArgs, runCli } = require('./commands') as typeof import('./commands');

runCli(parseCliArgs(process.argv.slice(2))).then(
  (code) => { if (code !== undefined) process.exitCode = code; },
  (err: Error) => {
    process.stderr.write(`sockerless: ${err.message}\n`);
    process.exit(1);
  },
);
