/**
 * `sockerless status` through the committed bin shim (cli/bin/sockerless.js, what npm links as the
 * `sockerless` command), against a daemon with pools: its backends, pools, containers per state and the
 * boot tree with each plugin's init in milliseconds.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';
import { REPO_ROOT } from '../support/daemon';
import { poolsConfig } from '../support/pools';

const BIN = join(REPO_ROOT, 'cli', 'bin', 'sockerless.js');

function sockerless(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let e: E2E;
beforeAll(async () => {
  e = await startE2E({ config: poolsConfig({ default: { backends: ['a'] }, ci: { backends: ['a', 'b'], maxConcurrency: 3 } }) });
});
afterAll(async () => { await e?.dispose(); });

test('the bin shim runs the CLI: --help lists status', async () => {
  const r = await sockerless(['--help']);
  expect(r).toMatchObject({ code: 0, stderr: '' });
  expect(r.stdout).toContain('sockerless status [--host URL] [--json]');
  expect(r.stdout).toContain('sockerless daemon');
  const own = await sockerless(['status', '--help']);
  expect(own).toMatchObject({ code: 0, stderr: '' });
  expect(own.stdout).toMatch(/^Usage:\n  sockerless status \[--host URL\] \[--json\]\n/);
});

test('status prints backends, pools, containers per state and the boot tree', async () => {
  await e.ok(['create', '--name', 'made', BUSYBOX, 'true']);
  await e.ok(['run', '--name', 'ended', BUSYBOX, 'sh', '-c', 'exit 3']).catch(() => undefined);
  await e.docker(['run', '--name', 'ended2', BUSYBOX, 'sh', '-c', 'exit 3']);
  await e.ok(['run', '-d', '--name', 'runs', BUSYBOX, 'sleep', '600']);

  const r = await sockerless(['status', '--host', e.daemon.dockerHost]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const out = r.stdout;
  expect(out).toContain(`Daemon: ${e.daemon.dockerHost}\n`);
  expect(out).toContain('Backends:\n  a *  (local)  available\n  b  (local)  available\n');
  expect(out).toMatch(/Pools:\n  NAME +BACKENDS +RUNNING +QUEUED +MAX +CONTAINERS +ORIGIN\n  default \* +a +1 +0 +- +\d+ +config\n  ci +a,b +0 +0 +3 +0 +config\n/);
  // `ended` failed its `ok` (exit 3) but exists; with `ended2` two are exited.
  expect(out).toContain('Containers: 4 (created 1, exited 2, running 1)\n');
  // The boot as avvio prints its plugin tree: each step and each plugin's init with its milliseconds.
  const boot = out.slice(out.indexOf('Boot:\n') + 'Boot:\n'.length);
  expect(boot).toMatch(/^boot \d+ ms\n├── config \d+ ms\n├── load plugins \d+ ms\n├─┬ init plugins \d+ ms\n│ ├── store-sqlite \d+ ms\n/);
  for (const plugin of ['backend-local', 'pools', 'scheduler-roundrobin', 'limits']) expect(boot).toMatch(new RegExp(`│ [├└]── ${plugin} \\d+ ms\\n`));
  for (const step of ['simulators', 'backends', 'core', 'recovery', 'plugins ready', 'listen unix']) expect(boot).toMatch(new RegExp(`[├└]── ${step} \\d+ ms\\n`));
  // Recovery runs while the listeners open (recovery-gate.ts): the two end in either order.
  expect(boot.trimEnd().split('\n').at(-1)).toMatch(/^└── (listen unix|plugins ready) \d+ ms$/);
});

test('status --json, SOCKERLESS_HOME-free addressing by DOCKER_HOST, and a daemon that is not there', async () => {
  const r = await sockerless(['status', '--json'], { DOCKER_HOST: e.daemon.dockerHost });
  expect(r.code).toBe(0);
  const status = JSON.parse(r.stdout);
  expect(status.backends).toEqual([{ name: 'a', kind: 'local', available: true, default: true }, { name: 'b', kind: 'local', available: true, default: false }]);
  expect(status.containers.byState.running).toBe(1);
  expect(status.pools.map((p: { name: string }) => p.name).sort()).toEqual(['ci', 'default']);
  expect(status.boot.children.find((c: { name: string }) => c.name === 'init plugins').children.map((c: { name: string }) => c.name))
    .toEqual(expect.arrayContaining(['store-sqlite', 'backend-local', 'pools']));

  const gone = await sockerless(['status', '--host', `unix://${join(e.daemon.dir, 'no-such.sock')}`]);
  expect(gone.code).toBe(1);
  expect(gone.stderr).toMatch(/^Cannot connect to the Sockerless daemon at unix:\/\/.*no-such\.sock: connect ENOENT/);
  const bad = await sockerless(['status', '--bogus']);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain("sockerless status: unexpected argument '--bogus'");
});
