#!/usr/bin/env node
import { parseCliArgs, runCli } from './commands';

runCli(parseCliArgs(process.argv.slice(2))).then(
  (code) => { if (code !== undefined) process.exitCode = code; },
  (err: Error) => {
    process.stderr.write(`sockerless: ${err.message}\n`);
    process.exit(1);
  },
);
