import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CliResult } from './docker-cli';
import type { E2E } from './e2e';

export interface TenantCli {
  run(args: string[]): Promise<CliResult>;
  /** Fails with the CLI's output unless it exits 0; returns trimmed stdout. */
  ok(args: string[]): Promise<string>;
}

/** A docker CLI that sends `Authorization: Bearer TOKEN` on every request (config.json's HttpHeaders), as a user would configure it. */
export function cliWithToken(e: E2E, name: string, token: string): TenantCli {
  const dir = join(e.daemon.dir, `docker-config-${name}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ HttpHeaders: { Authorization: `Bearer ${token}` } }));
  const run = (args: string[]) => e.docker(args, { env: { DOCKER_CONFIG: dir } });
  const ok = async (args: string[]) => {
    const r = await run(args);
    if (r.code !== 0) throw new Error(`docker ${args.join(' ')} as ${name} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    return r.stdout.trim();
  };
  return { run, ok };
}
