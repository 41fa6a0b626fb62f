import { execFileSync } from 'node:child_process';
import { mkdtempSync, promises as fs, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pack as tarPack } from 'tar-stream';
import type { Logger, WorkloadSpec } from '@sockerless/sdk';
import { LocalDriver, type LocalDriverOptions } from '../src/driver';

/** A minimal image root: static busybox with its applets, an `app` user (1000) and a sticky /tmp. */
export async function buildBusyboxRootfs(dir: string): Promise<string> {
  const root = join(dir, 'image');
  for (const d of ['bin', 'etc', 'tmp', 'root', 'home/app', 'sys', 'proc', 'dev', 'data']) await fs.mkdir(join(root, d), { recursive: true });
  await fs.chmod(join(root, 'tmp'), 0o1777);
  await fs.copyFile('/bin/busybox', join(root, 'bin/busybox'));
  await fs.chmod(join(root, 'bin/busybox'), 0o755);
  const applets = execFileSync('/bin/busybox', ['--list'], { encoding: 'utf8' }).split('\n').filter((a) => a && a !== 'busybox');
  await Promise.all(applets.map((a) => fs.symlink('busybox', join(root, 'bin', a))));
  await fs.writeFile(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n');
  await fs.writeFile(join(root, 'etc/group'), 'root:x:0:\napp:x:1000:\nextra:x:2000:app\n');
  await fs.chown(join(root, 'home/app'), 1000, 1000);
  await fs.writeFile(join(root, 'etc/image-file'), 'from the image\n');
  // An image program named like a busybox applet: the sandbox's own busybox helper must never stand in for it.
  await fs.mkdir(join(root, 'usr/local/bin'), { recursive: true });
  await fs.writeFile(join(root, 'usr/local/bin/tar'), '#!/bin/sh\necho image-tar "$@"\n', { mode: 0o755 });
  return root;
}

export function silentLogger(sink: string[] = []): Logger {
  const log = (level: string) => (msg: string, fields?: Record<string, unknown>) => { sink.push(`${level}: ${msg}${fields ? ` ${JSON.stringify(fields)}` : ""}`); };
  const l: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error'), child: () => l };
  return l;
}

export interface Harness {
  dir: string;
  rootfs: string;
  driver: LocalDriver;
  warnings: string[];
  spec(id: string, over?: Partial<WorkloadSpec>): WorkloadSpec;
  cleanup(): Promise<void>;
}

export async function harness(options: LocalDriverOptions = { sandbox: 'auto' }, sharedRootfs?: string): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'sl-local-'));
  const rootfs = sharedRootfs ?? await buildBusyboxRootfs(dir);
  const warnings: string[] = [];
  const driver = new LocalDriver({ instanceName: 'local', options, stateDir: join(dir, 'state'), logger: silentLogger(warnings) });
  const ids = new Set<string>();
  return {
    dir, rootfs, driver, warnings,
    spec(id, over = {}) {
      ids.add(id);
      return {
        id, name: `c-${id}`, hostname: id.slice(0, 12), image: { id: 'sha256:x', ref: 'busybox', rootfs },
        argv: ['true'], env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], workingDir: '', user: '',
        tty: false, openStdin: false, mounts: [], labels: {}, stateDir: join(dir, 'state', 'containers', id), memoryBytes: 0,
        ...over,
      };
    },
    async cleanup() {
      for (const id of ids) await driver.remove(id);
      await driver.close();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

export { readAll as collect, finishProcess as finish, waitForText as waitFor } from '@sockerless/sdk/testing';

export function mountedUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m) => m?.startsWith(dir));
}

/** A tar stream of the given entries, as `docker cp` sends one. */
export function tarOf(entries: Array<{ name: string; body?: string; type?: 'directory' | 'file' | 'symlink'; linkname?: string; mode?: number }>): Readable {
  const pack = tarPack();
  for (const e of entries) {
    const header = { name: e.name, type: e.type ?? 'file', linkname: e.linkname, mode: e.mode ?? (e.type === 'directory' ? 0o755 : 0o644) };
    if (e.body !== undefined) pack.entry(header, e.body); else pack.entry(header);
  }
  pack.finalize();
  return Readable.from(pack as unknown as AsyncIterable<Buffer>);
}
