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
const { parseCliArgs, runCli, usage } = require('./commands') as typeof import('./commands');

function parsedArgs(): ReturnType<typeof parseCliArgs> {
  try {
    return parseCliArgs(process.argv.slice(2));
  } catch (err) {
    // A command line it cannot read: as a getopt-style tool, the complaint and the usage on stderr, exit
    // status 2 (a usage error, as sh(1) and dockerd's flag parser use), never a stack trace.
    process.stderr.write(`sockerless: ${(err as Error).message}\n${usage()}`);
    process.exit(2);
  }
}

runCli(parsedArgs()).then(
  (code) => { if (code !== undefined) process.exitCode = code; },
  (err: Error) => {
    process.stderr.write(`sockerless: ${err.message}\n`);
    process.exit(1);
  },
);
