import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export const DOCKER_CLI = process.env.DOCKER_CLI ?? '/usr/local/bin/docker';

/**
 * Runs the real docker CLI against a daemon. DOCKER_CONFIG points into the test's dir so no user config
 * or credential helper leaks in.
 */
export function docker(dockerHost: string, configDir: string, args: string[], opts: { input?: string | Buffer; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliResult> {
  const dockerConfig = join(configDir, 'docker-config');
  mkdirSync(dockerConfig, { recursive: true });
  return new Promise((resolve, reject) => {
    const child = spawn(DOCKER_CLI, args, {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: configDir, DOCKER_HOST: dockerHost, DOCKER_CONFIG: dockerConfig, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`docker ${args.join(' ')} timed out\n${stdout}\n${stderr}`)); }, opts.timeoutMs ?? 60_000);
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code: code ?? -1, stdout, stderr }); });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}
