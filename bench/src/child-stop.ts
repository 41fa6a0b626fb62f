import type { ChildProcess } from 'node:child_process';

/**
 * Stopping a daemon we spawned, by its PID: the bench's engines and the tests' private dockerd
 * (test/support/dockerd.ts imports this file from source) stop their children the same way. It lives in the
 * bench because the bench is a `tsc -b` project whose rootDir is src and cannot reach into test/; the tests
 * are compiled by ts-jest and can reach here.
 */

/** How long a SIGTERMed daemon may take to clean up (dockerd stops its containers and containerd). */
export const TERM_GRACE_MS = 15_000;
/** How long to wait for the exit after a SIGKILL. */
export const KILL_GRACE_MS = 5_000;

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Resolves true once the child has exited, false if it is still running after `ms`. */
export function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (hasExited(child)) return Promise.resolve(true);
  return new Promise((res) => {
    const timer = setTimeout(() => { child.off('exit', onExit); res(false); }, ms);
    const onExit = () => { clearTimeout(timer); res(true); };
    child.once('exit', onExit);
  });
}

/** A polite SIGTERM first (daemons clean up on it), SIGKILL if it hangs. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return;
  child.kill('SIGTERM');
  if (await waitForExit(child, TERM_GRACE_MS)) return;
  child.kill('SIGKILL');
  await waitForExit(child, KILL_GRACE_MS);
}

export function isAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}
