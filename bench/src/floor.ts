/**
 * Figure 2, the floor: what a `docker run --rm busybox true` cannot cost less than on our path, namely the
 * docker CLI's own cost (`docker version`: start-up plus one round trip) and one bare bubblewrap sandbox
 * running `true`, spawned directly with the argv our local backend builds. Our run divided by it is what
 * the daemon adds on top.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DockerTarget } from './docker-cli';
import { measureInterleaved, summarize, type Stats } from './measure';
import { HOST_BUSYBOX } from './workdir';

/** backend-local's public entry point, loaded when the floor is measured (its dist: build the plugins first). */
type BackendLocal = typeof import('@sockerless/plugin-backend-local');

/** The environment the backend gives `busybox true` (Docker's default PATH, HOSTNAME, HOME). */
const SANDBOX_ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOSTNAME: 'bench', HOME: '/' };

export interface FloorResult {
  /** `docker version` (client and server) against each engine, interleaved. */
  versionOurs: Stats;
  versionDocker: Stats | null;
  /** spawn to exit of bwrap running `true` in the busybox rootfs. */
  bareSpawn: Stats;
  bwrap: string;
  bwrapArgs: string[];
  /** median(docker version against the engine) + median(bare spawn). */
  floorMs: number;
  dockerFloorMs: number | null;
}

function findBwrap(): string {
  const r = spawnSync('sh', ['-c', 'command -v bwrap'], { encoding: 'utf8' });
  const path = r.stdout.trim();
  if (r.status !== 0 || !path) throw new Error('floor: bwrap is not installed (Debian package bubblewrap)');
  return path;
}

/**
 * The argv our local backend runs for `docker run busybox true` as root, against the unpacked rootfs: with
 * its confine helper and Docker's default seccomp filter for Docker's capabilities, as the backend builds
 * them (cached next to the rootfs), or without where the helper cannot be built, as the backend then runs.
 */
async function sandboxArgv(rootfs: string): Promise<string[]> {
  let backendLocal: BackendLocal;
  try {
    backendLocal = require('@sockerless/plugin-backend-local') as BackendLocal;
  } catch (err) {
    throw new Error(`floor: @sockerless/plugin-backend-local does not load (build the plugins first: npx tsc -b): ${(err as Error).message}`);
  }
  return backendLocal.bareSandboxArgv({
    rootfs,
    argv: ['true'],
    exe: '/bin/true',
    env: SANDBOX_ENV,
    hostname: 'bench',
    stateDir: join(rootfs, '..', 'floor-state'),
    busybox: existsSync(HOST_BUSYBOX) ? HOST_BUSYBOX : undefined,
  });
}

/** One sandbox from spawn() to exit. stderr is kept only to explain a failure. */
function timedSpawn(bwrap: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(bwrap, args, { env: { PATH: SANDBOX_ENV.PATH }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    let exitedAt = started;
    child.once('exit', () => { exitedAt = process.hrtime.bigint(); });
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0) resolve(Number(exitedAt - started) / 1e6);
      else reject(new Error(`floor: bare bwrap sandbox exited ${code ?? signal}: ${stderr.trim()}\n${bwrap} ${args.join(' ')}`));
    });
  });
}

export async function measureFloor(rootfs: string, ours: DockerTarget, docker: DockerTarget | null, counts: { warmups: number; runs: number }): Promise<FloorResult> {
  const version = await measureInterleaved(docker ? [ours, docker] : [ours], ['version'], counts);
  const bwrap = findBwrap();
  const args = await sandboxArgv(rootfs);
  for (let i = 0; i < counts.warmups; i++) await timedSpawn(bwrap, args);
  const spawns: number[] = [];
  for (let i = 0; i < counts.runs; i++) spawns.push(await timedSpawn(bwrap, args));
  const bareSpawn = summarize(spawns);
  const versionOurs = version.get(ours.label)!;
  const versionDocker = docker ? version.get(docker.label)! : null;
  const floor = (v: Stats) => Math.round((v.median + bareSpawn.median) * 100) / 100;
  return {
    versionOurs,
    versionDocker,
    bareSpawn,
    bwrap,
    bwrapArgs: args,
    floorMs: floor(versionOurs),
    dockerFloorMs: versionDocker ? floor(versionDocker) : null,
  };
}
