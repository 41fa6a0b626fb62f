import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

/**
 * A long-lived static-busybox shell that mounts, unmounts and deletes for the daemon. Each container is
 * mounted at create, unmounted and deleted at remove. Spawning util-linux's mount(8) from the daemon forks
 * the whole daemon (about 2 ms of blocked event loop at 80 MiB, more as the heap grows) and loads mount's
 * shared libraries (about 3.5 ms until it exits); deleting a state dir from Node is some thirty fs calls
 * dispatched from the event loop. The shell forks a process of a few hundred KiB and runs a static applet:
 * well under a millisecond, on another core, none of it on the event loop.
 *
 * Arguments travel as words on one line, so only paths made of plain characters go through it; anything
 * else, and any failure, answers `false` and the caller takes the slow path, which reports the real error.
 */
const SCRIPT = [
  'while read -r op a b; do',
  '  case "$op" in',
  '    mount) "$BB" mount -t overlay overlay -o "$a" "$b" ;;',
  '    umount) "$BB" umount "$a" || "$BB" umount -l "$a" ;;',
  '    rmtree) "$BB" rm -rf "$a" ;;',
  '    *) false ;;',
  '  esac',
  '  echo $?',
  'done',
].join('\n');

/** Characters that cannot split a word, start a glob or an escape in `read -r`: paths and overlay options. */
const PLAIN = /^[A-Za-z0-9_.,:=/+@-]+$/;

export class BusyboxHelper {
  private readonly child: ChildProcessWithoutNullStreams;
  /** The shell answers strictly in order, one line per request. */
  private readonly waiting: Array<(ok: boolean) => void> = [];
  private pending = '';
  private dead = false;

  constructor(busybox: string) {
    this.child = spawn(busybox, ['sh', '-c', SCRIPT], { env: { BB: busybox, PATH: '/usr/sbin:/usr/bin:/sbin:/bin' }, stdio: 'pipe' });
    this.child.stdout.setEncoding('utf8').on('data', (chunk: string) => this.onOutput(chunk));
    this.child.stderr.resume(); // busybox's own messages: the slow path reports the error instead
    this.child.stdin.on('error', () => this.fail());
    this.child.once('error', () => this.fail());
    this.child.once('exit', () => this.fail());
    // An idle helper must not keep a stopping daemon alive (its stdin closing ends it); a helper with
    // requests open must, or a daemon unmounting at shutdown would exit half way (see holdOpen).
    this.child.unref();
    this.holdOpen(false);
  }

  private holdOpen(busy: boolean): void {
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr]) {
      const handle = s as unknown as { ref?: () => void; unref?: () => void };
      if (busy) handle.ref?.(); else handle.unref?.();
    }
  }

  mount(options: string, target: string): Promise<boolean> {
    return this.request(['mount', options, target]);
  }

  umount(target: string): Promise<boolean> {
    return this.request(['umount', target]);
  }

  /** `rm -rf`: the caller makes sure nothing is still mounted below `dir`. */
  removeTree(dir: string): Promise<boolean> {
    return this.request(['rmtree', dir]);
  }

  close(): void {
    this.dead = true;
    this.child.stdin.end();
  }

  private request(words: string[]): Promise<boolean> {
    if (this.dead || !words.every((w) => PLAIN.test(w))) return Promise.resolve(false);
    return new Promise((resolve) => {
      if (this.waiting.push(resolve) === 1) this.holdOpen(true);
      this.child.stdin.write(`${words.join(' ')}\n`);
    });
  }

  private onOutput(chunk: string): void {
    this.pending += chunk;
    let nl: number;
    while ((nl = this.pending.indexOf('\n')) >= 0) {
      const line = this.pending.slice(0, nl);
      this.pending = this.pending.slice(nl + 1);
      this.waiting.shift()?.(line.trim() === '0');
      if (this.waiting.length === 0) this.holdOpen(false);
    }
  }

  /** A helper that died answers every open and later request with `false`: the slow path takes over. */
  private fail(): void {
    this.dead = true;
    for (const resolve of this.waiting.splice(0)) resolve(false);
  }
}
