import { spawn } from 'node:child_process';

/** The real docker CLI: the benchmark measures what a user of that CLI waits for. */
export const DOCKER_CLI = process.env.DOCKER_CLI ?? '/usr/local/bin/docker';

/** The shortest possible container, the command most figures time. */
export const RUN_TRUE = ['run', '--rm', 'busybox', 'true'];

/** Where the CLI should talk to: one engine's socket plus a private CLI config dir. */
export interface DockerTarget {
  /** Short label used in logs and errors ("ours", "docker"). */
  label: string;
  /** e.g. unix:///tmp/x/sockerless.sock */
  dockerHost: string;
  /** DOCKER_CONFIG: kept inside the work dir so no user config, context or credential helper leaks in. */
  dockerConfig: string;
  /** HOME for the CLI, for the same reason. */
  home: string;
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Milliseconds from spawn() to the child's exit, measured with process.hrtime. */
  elapsedMs: number;
}

/**
 * Runs the docker CLI once against a target. The environment is built from scratch (PATH only from ours)
 * so that a DOCKER_HOST, DOCKER_CONTEXT or proxy setting in the caller's shell cannot redirect the run.
 */
export function runDocker(target: DockerTarget, args: string[], timeoutMs = 120_000, extraEnv: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    let exitedAt: bigint | undefined;
    const child = spawn(DOCKER_CLI, args, {
      env: {
        PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
        HOME: target.home,
        DOCKER_HOST: target.dockerHost,
        DOCKER_CONFIG: target.dockerConfig,
        ...extraEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    // 'exit' marks the moment the CLI is done; 'close' (all pipes drained) comes a little later and is only
    // awaited so the captured output is complete.
    child.once('exit', () => { exitedAt = process.hrtime.bigint(); });
    child.once('error', (err) => { clearTimeout(timer); reject(err); });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const end = exitedAt ?? process.hrtime.bigint();
      resolve({
        code: code ?? (signal ? 128 : -1),
        stdout,
        stderr: signal === 'SIGKILL' && code === null ? `${stderr}\n(killed after ${timeoutMs} ms)` : stderr,
        elapsedMs: Number(end - started) / 1e6,
      });
    });
  });
}

/** Runs the CLI and throws with its output when it fails: for setup steps, where failure is fatal. */
export async function runDockerOk(target: DockerTarget, args: string[], timeoutMs?: number): Promise<CliRun> {
  const r = await runDocker(target, args, timeoutMs);
  if (r.code !== 0) {
    throw new Error(`[${target.label}] docker ${args.join(' ')} exited ${r.code}\n${r.stderr.trim() || r.stdout.trim()}`);
  }
  return r;
}
