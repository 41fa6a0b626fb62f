import { LineShell } from '../line-shell';

/**
 * A long-lived static-busybox shell (see LineShell) that runs `ip -batch` for the daemon, as BusyboxHelper
 * does for mounts: a container start in bridge mode needs two `ip` runs and its teardown one, and spawning each from the
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
  private readonly shell: LineShell;

  constructor(busybox: string, ip: string) {
    this.shell = new LineShell(busybox, SCRIPT, { IP: ip });
  }

  /** Runs the batch; undefined when the helper cannot take it (the caller spawns `ip` instead). */
  async batch(lines: string[], o: { netns?: string; force?: boolean }): Promise<IpResult | undefined> {
    const ns = o.netns ?? '-';
    if (!PLAIN.test(ns) || !lines.every((l) => PLAIN.test(l))) return undefined;
    const answer = await this.shell.ask(`${ns} ${o.force ? 1 : 0} ${lines.join(';')}`);
    if (answer === undefined) return undefined;
    const [status, ...error] = answer.split(' ');
    return { ok: status === '0', error: error.join(' ') };
  }

  close(): void {
    this.shell.close();
  }
}
