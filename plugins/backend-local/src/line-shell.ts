import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

/**
 * A long-lived static-busybox shell that reads one request a line and answers each with one line, strictly
 * in order. BusyboxHelper (mount, umount, rm) and IpHelper (`ip -batch`) are such shells with a script of
 * their own: forking a shell of a few hundred KiB, off the event loop, costs far less than spawning a tool
 * from the daemon, which forks the whole daemon each time.
 *
 * A shell that died (or was closed) answers every open and later request with `undefined`: the caller then
 * takes its slow path, which reports the real error.
 */
export class LineShell {
  private readonly child: ChildProcessWithoutNullStreams;
  /** The shell answers strictly in order, one line per request. */
  private readonly waiting: Array<(line: string | undefined) => void> = [];
  private pending = '';
  private dead = false;

  constructor(busybox: string, script: string, env: Record<string, string>) {
    this.child = spawn(busybox, ['sh', '-c', script], { env: { ...env, PATH: '/usr/sbin:/usr/bin:/sbin:/bin' }, stdio: 'pipe' });
    this.child.stdout.setEncoding('utf8').on('data', (chunk: string) => this.onOutput(chunk));
    this.child.stderr.resume(); // busybox's own messages: the slow path reports the error instead
    this.child.stdin.on('error', () => this.fail());
    this.child.once('error', () => this.fail());
    this.child.once('exit', () => this.fail());
    // An idle shell must not keep a stopping daemon alive (its stdin closing ends it); a shell with
    // requests open must, or a daemon unmounting or tearing down at shutdown would exit half way.
    this.child.unref();
    this.holdOpen(false);
  }

  /** Sends one request line (no newline in it); resolves with the answer line, or undefined from a dead shell. */
  ask(line: string): Promise<string | undefined> {
    if (this.dead) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      if (this.waiting.push(resolve) === 1) this.holdOpen(true);
      this.child.stdin.write(`${line}\n`);
    });
  }

  close(): void {
    this.dead = true;
    this.child.stdin.end();
  }

  private holdOpen(busy: boolean): void {
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr]) {
      const handle = s as unknown as { ref?: () => void; unref?: () => void };
      if (busy) handle.ref?.(); else handle.unref?.();
    }
  }

  private onOutput(chunk: string): void {
    this.pending += chunk;
    let nl: number;
    while ((nl = this.pending.indexOf('\n')) >= 0) {
      const line = this.pending.slice(0, nl);
      this.pending = this.pending.slice(nl + 1);
      this.waiting.shift()?.(line);
      if (this.waiting.length === 0) this.holdOpen(false);
    }
  }

  private fail(): void {
    this.dead = true;
    for (const resolve of this.waiting.splice(0)) resolve(undefined);
  }
}
