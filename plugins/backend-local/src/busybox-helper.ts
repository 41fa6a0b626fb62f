import { LineShell } from './line-shell';

/**
 * A long-lived static-busybox shell (see LineShell) that mounts, unmounts and deletes for the daemon. Each
 * container is mounted at create, unmounted and deleted at remove. Spawning util-linux's mount(8) from the daemon forks
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
  private readonly shell: LineShell;

  constructor(busybox: string) {
    this.shell = new LineShell(busybox, SCRIPT, { BB: busybox });
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
    this.shell.close();
  }

  /** The shell answers with the exit status; a dead helper answers `false` and the slow path takes over. */
  private async request(words: string[]): Promise<boolean> {
    if (!words.every((w) => PLAIN.test(w))) return false;
    return (await this.shell.ask(words.join(' ')))?.trim() === '0';
  }
}
