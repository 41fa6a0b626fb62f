import type { ExecUser } from './users';

/**
 * util-linux nsenter argv (without the nsenter path) that runs `argv` inside a running sandbox: the same
 * pid, ipc, uts and mount namespaces and root as the workload (host pid `target`), in `workingDir` as seen
 * inside, as `user`. nsenter forks into the pid namespace and hands back the child's exit status, dying of
 * the same signal if the child did, so codes are real. The environment is nsenter's own (spawn env).
 */
export function nsenterArgs(target: number, workingDir: string, user: ExecUser, argv: string[]): string[] {
  return [
    '--target', String(target), '--pid', '--ipc', '--uts', '--mount', '--root', `--wdns=${workingDir || '/'}`,
    // Always set both, so the daemon's own supplementary groups never leak into the container.
    '--setuid', String(user.uid), '--setgid', String(user.gid),
    '--', ...argv,
  ];
}
