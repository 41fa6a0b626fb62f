import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { docker, type CliResult } from './docker-cli';
import { startTestDaemon, type DaemonOptions, type TestDaemon } from './daemon';
import { buildBusyboxRootfsTar } from './images';

export const BUSYBOX = 'busybox:latest';

/** The `docker import` flags that give the busybox rootfs its config (a shell by default, a PATH). */
export const BUSYBOX_IMPORT_CHANGES = ['--change', 'CMD ["/bin/sh"]', '--change', 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin'];

export interface E2E {
  daemon: TestDaemon;
  /** The docker CLI against this daemon. */
  docker(args: string[], opts?: { input?: string | Buffer; env?: Record<string, string>; timeoutMs?: number }): Promise<CliResult>;
  /** Like docker(), but fails the test with the CLI's output unless it exits 0; returns trimmed stdout. */
  ok(args: string[], opts?: { input?: string | Buffer }): Promise<string>;
  dispose(): Promise<void>;
}

/**
 * A daemon for one test file, with busybox imported through the real CLI (`docker import` of a rootfs built
 * from Debian's busybox-static) and tagged `busybox:latest`.
 */
export async function startE2E(opts: DaemonOptions = {}): Promise<E2E> {
  const daemon = await startTestDaemon(opts);
  const run = (args: string[], o: { input?: string | Buffer; env?: Record<string, string>; timeoutMs?: number } = {}) => docker(daemon.dockerHost, daemon.dir, args, o);
  const ok = async (args: string[], o: { input?: string | Buffer } = {}) => {
    const r = await run(args, o);
    if (r.code !== 0) throw new Error(`docker ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}\ndaemon: ${daemon.output().slice(-3000)}`);
    return r.stdout.trim();
  };
  const tar = await buildBusyboxRootfsTar(join(daemon.dir, 'rootfs-build'));
  await ok(['import', ...BUSYBOX_IMPORT_CHANGES, tar, BUSYBOX]);
  return { daemon, docker: run, ok, dispose: () => daemon.dispose() };
}

