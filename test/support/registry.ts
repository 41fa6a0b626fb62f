import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Debian's `docker-registry` (distribution 2.8), `skopeo` and `umoci`: a real registry, loaded offline. */
export const REGISTRY_BINARY = process.env.SOCKERLESS_REGISTRY_BINARY ?? 'docker-registry';

export interface TestRegistry {
  /** `127.0.0.1:PORT`, as it goes into image references. */
  host: string;
  stop(): Promise<void>;
}

export interface RegistryOptions {
  /** Basic auth with one user: a bcrypt htpasswd file made with `htpasswd -Bbn` (Debian's apache2-utils). */
  auth?: { username: string; password: string };
  /**
   * Serve inside the network namespace of this process (the private dockerd's), on `port`: a second
   * registry there, with its own storage, answers at the same `127.0.0.1:PORT` as one on the host.
   */
  netnsOf?: number;
  port?: number;
}

/** A TCP port free on 127.0.0.1 at the moment of asking (for a server that cannot listen on port 0). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Waits until the registry logs that it listens (it binds before it logs), the process dies, or
 * `timeoutMs` passes. Its log, not a request: a registry in another network namespace is out of reach here.
 */
async function waitUntilServing(host: string, child: ChildProcess, output: () => string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}: ${output()}`);
    if (output().includes(`listening on ${host}`)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`docker-registry did not listen on ${host} within ${timeoutMs} ms: ${output()}`);
}

/**
 * Runs `docker-registry serve` on a free 127.0.0.1 port with its storage in `workDir`. Retries once with a
 * new port if the chosen one was taken between probing and binding.
 */
export async function startRegistry(workDir: string, opts: RegistryOptions = {}): Promise<TestRegistry> {
  mkdirSync(workDir, { recursive: true });
  const authLines: string[] = [];
  if (opts.auth) {
    const htpasswd = join(workDir, 'htpasswd');
    writeFileSync(htpasswd, await run('htpasswd', ['-Bbn', opts.auth.username, opts.auth.password]));
    authLines.push('auth:', '  htpasswd:', '    realm: sockerless-test', `    path: ${htpasswd}`);
  }
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = opts.port ?? await freePort();
    const host = `127.0.0.1:${port}`;
    const config = join(workDir, 'config.yml');
    writeFileSync(config, [
      'version: 0.1',
      'log:', '  level: info', '  accesslog:', '    disabled: true',
      'storage:', '  filesystem:', `    rootdirectory: ${join(workDir, 'data')}`, '  delete:', '    enabled: true',
      'http:', `  addr: ${host}`,
      ...authLines,
    ].join('\n') + '\n');
    const argv = opts.netnsOf ? ['nsenter', `--net=/proc/${opts.netnsOf}/ns/net`, '--', REGISTRY_BINARY] : [REGISTRY_BINARY];
    const child = spawn(argv[0], [...argv.slice(1), 'serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => { output = (output + d.toString()).slice(-4000); });
    child.stderr!.on('data', (d: Buffer) => { output = (output + d.toString()).slice(-4000); });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const stop = async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const killed = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => { timer = setTimeout(() => r(false), 3000); })]);
      clearTimeout(timer);
      if (!killed) {
        child.kill('SIGKILL');
        await exited;
      }
    };
    try {
      await waitUntilServing(host, child, () => output);
      return { host, stop };
    } catch (err) {
      lastError = err;
      await stop();
    }
  }
  throw lastError;
}

async function run(cmd: string, args: string[], cwd?: string): Promise<string> {
  try {
    const { stdout } = await execFileAsync(cmd, args, { cwd, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${e.stderr || e.message}`);
  }
}

export interface PushOptions {
  cmd?: string[];
  entrypoint?: string[];
  env?: string[];
  workingDir?: string;
  user?: string;
  labels?: Record<string, string>;
  /** `v2s2`: Docker schema 2 manifest; `oci`: OCI manifest (skopeo's default for an OCI source). */
  format?: 'v2s2' | 'oci';
  /**
   * Push an OCI image index instead: the image for the host platform plus the same manifest listed as
   * linux/s390x (so a client must pick by platform). Pushed with `skopeo copy --all`.
   */
  index?: boolean;
}

/**
 * Builds an image from a rootfs tarball offline (umoci: new image, unpack, untar the rootfs, repack, set
 * the config) and copies it with skopeo to `registryHost/nameTag` over plain http.
 */
export async function pushRootfsWithSkopeo(rootfsTar: string, registryHost: string, nameTag: string, opts: PushOptions = {}): Promise<void> {
  const work = mkdtempSync(join(process.env.TMPDIR ?? '/tmp', 'sockerless-umoci-'));
  try {
    const layout = join(work, 'oci');
    await run('umoci', ['init', '--layout', layout]);
    await run('umoci', ['new', '--image', `${layout}:img`]);
    await run('umoci', ['unpack', '--image', `${layout}:img`, join(work, 'bundle')]);
    await run('tar', ['-C', join(work, 'bundle', 'rootfs'), '-xf', rootfsTar]);
    await run('umoci', ['repack', '--image', `${layout}:img`, join(work, 'bundle')]);
    const configArgs = ['config', '--image', `${layout}:img`];
    for (const c of opts.cmd ?? []) configArgs.push('--config.cmd', c);
    for (const e of opts.entrypoint ?? []) configArgs.push('--config.entrypoint', e);
    for (const e of opts.env ?? []) configArgs.push('--config.env', e);
    if (opts.workingDir) configArgs.push('--config.workingdir', opts.workingDir);
    if (opts.user) configArgs.push('--config.user', opts.user);
    for (const [k, v] of Object.entries(opts.labels ?? {})) configArgs.push('--config.label', `${k}=${v}`);
    if (configArgs.length > 3) await run('umoci', configArgs);
    const ref = opts.index ? wrapInIndex(layout) : 'img';
    const copyArgs = ['copy', '--quiet', '--dest-tls-verify=false'];
    if (opts.index) copyArgs.push('--all');
    else if (opts.format === 'v2s2') copyArgs.push('--format', 'v2s2');
    else copyArgs.push('--format', 'oci');
    copyArgs.push(`oci:${layout}:${ref}`, `docker://${registryHost}/${nameTag}`);
    await run('skopeo', copyArgs);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Adds an OCI index blob (tagged `multi` in the layout) that lists the `img` manifest for two platforms. */
function wrapInIndex(layout: string): string {
  const indexPath = join(layout, 'index.json');
  const top = JSON.parse(readFileSync(indexPath, 'utf8')) as { manifests: Record<string, any>[] };
  const img = top.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === 'img');
  if (!img) throw new Error('umoci layout has no img manifest');
  const hostArch = ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[process.arch] ?? process.arch;
  const entry = (architecture: string) => ({ mediaType: img.mediaType, digest: img.digest, size: img.size, platform: { os: 'linux', architecture } });
  const index = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [entry('s390x'), entry(hostArch)],
  }));
  const hex = createHash('sha256').update(index).digest('hex');
  writeFileSync(join(layout, 'blobs', 'sha256', hex), index);
  top.manifests.push({ mediaType: 'application/vnd.oci.image.index.v1+json', digest: `sha256:${hex}`, size: index.length, annotations: { 'org.opencontainers.image.ref.name': 'multi' } });
  writeFileSync(indexPath, JSON.stringify(top));
  return 'multi';
}
