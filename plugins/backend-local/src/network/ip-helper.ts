import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

/**
 * A long-lived static-busybox shell that runs `ip -batch` for the daemon, as BusyboxHelper does for mounts:
 * a container start in bridge mode needs two `ip` runs and its teardown one, and spawning each from the
 * daemon forks the whole daemon (some 1.5 ms of blocked event loop at a few hundred MiB, measured here).
 * The shell forks a process of a few hundred KiB instead, off the event loop. Requests are answered in
 * order, one line each: the exit status of `ip`, then its error output on the same line.
 *
 * A batch travels as one line with `;` between its commands, so only commands made of plain characters
 * (names, addresses, keywords) go through it; anything else, or a dead helper, answers `undefined` and
 * the caller spawns `ip` itself.
 */
const SCRIPT = [
  'set -f',
  'while read -r ns force cmds; do',
  '  set --',
  '  [ "$ns" = - ] || set -- -n "$ns"',
  '  [ "$force" = 1 ] && set -- "$@" -force',
  `  err=$(IFS=';'; printf '%s\\n' $cmds | "$IP" "$@" -batch - 2>&1 >/dev/null)`,
  '  echo $? $err',
  'done',
].join('\n');

const PLAIN = /^[A-Za-z0-9_.:/+ -]+$/;

export interface IpResult {
  ok: boolean;
  error: string;
}

export class IpHelper {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: Array<(r: IpResult | undefined) => void> = [];
  private pending = '';
  private dead = false;

  constructor(busybox: string, ip: string) {
    this.child = spawn(busybox, ['sh', '-c', SCRIPT], { env: { IP: ip, PATH: '/usr/sbin:/usr/bin:/sbin:/bin' }, stdio: 'pipe' });
    this.child.stdout.setEncoding('utf8').on('data', (chunk: string) => this.onOutput(chunk));
    this.child.stderr.resume();
    this.child.stdin.on('error', () => this.fail());
    this.child.once('error', () => this.fail());
    this.child.once('exit', () => this.fail());
    // Idle, it must not keep a stopping daemon alive; busy, it must (a teardown at shutdown).
    this.child.unref();
    this.holdOpen(false);
  }

  private holdOpen(busy: boolean): void {
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr]) {
      const handle = s as unknown as { ref?: () => void; unref?: () => void };
      if (busy) handle.ref?.(); else handle.unref?.();
    }
  }

  /** Runs the batch; undefined when the helper cannot take it (the caller spawns `ip` instead). */
  batch(lines: string[], o: { netns?: string; force?: boolean }): Promise<IpResult | undefined> {
    const ns = o.netns ?? '-';
    if (this.dead || !PLAIN.test(ns) || !lines.every((l) => PLAIN.test(l))) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      if (this.waiting.push(resolve) === 1) this.holdOpen(true);
      this.child.stdin.write(`${ns} ${o.force ? 1 : 0} ${lines.join(';')}\n`);
    });
  }

  close(): void {
    this.dead = true;
    this.child.stdin.end();
  }

  private onOutput(chunk: string): void {
    this.pending += chunk;
    let nl: number;
    while ((nl = this.pending.indexOf('\n')) >= 0) {
      const line = this.pending.slice(0, nl);
      this.pending = this.pending.slice(nl + 1);
      const [status, ...error] = line.split(' ');
      this.waiting.shift()?.({ ok: status === '0', error: error.join(' ') });
      if (this.waiting.length === 0) this.holdOpen(false);
    }
  }

  private fail(): void {
    this.dead = true;
    for (const resolve of this.waiting.splice(0)) resolve(undefined);
  }
}
