import { execFile } from 'node:child_process';
import { accessSync, constants, promises as fs, readFileSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { ExecUser } from './users';

/** Runs a host tool and resolves with its stdout; rejects with stderr in the message. */
export function run(file: string, args: string[], opts: { timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(' ')}: ${String(stderr).trim() || err.message}`));
      else resolve(String(stdout));
    });
  });
}

/** The first executable named `name` on the daemon's own PATH, if any (for host tools such as bwrap). */
export function findHostTool(name: string, extraDirs: string[] = ['/usr/sbin', '/usr/bin', '/sbin', '/bin']): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), ...extraDirs].filter(Boolean);
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch { /* next */ }
  }
  return undefined;
}

export async function exists(path: string): Promise<boolean> {
  try { await fs.lstat(path); return true; } catch { return false; }
}

/** True while `pid` exists and is not a zombie (a zombie has exited; only its parent has yet to reap it). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Resolves on the next turn of the timer loop; used only to poll /proc for a pid that appears in microseconds. */
export function tick(ms = 2): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** `KEY=VALUE` list to a record; the last occurrence of a key wins, as in Docker. */
export function envRecord(env: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of env) {
    const i = kv.indexOf('=');
    if (i <= 0) continue;
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

import { DEFAULT_PATH } from '@sockerless/sdk';
export { DEFAULT_PATH };

/** The workload's environment with what the runtime adds in Docker (PATH, HOSTNAME, HOME, TERM). */
export function workloadEnvironment(env: string[], hostname: string, user: ExecUser, tty: boolean): Record<string, string> {
  const out = envRecord(env);
  out.PATH ??= DEFAULT_PATH;
  out.HOSTNAME ??= hostname;
  out.HOME ??= user.home || '/';
  if (tty) out.TERM ??= 'xterm';
  return out;
}
