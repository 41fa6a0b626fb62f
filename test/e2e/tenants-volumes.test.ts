/**
 * Tenants and named volumes, and tokens limited to unprivileged containers, through the real docker CLI
 * with two tenant tokens: each tenant lists, inspects, mounts and removes only its own volumes (another's
 * answers exactly as a missing one), and red's token may not ask for host privileges or bind outside its
 * allowed path; each refusal names the rule.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CliResult } from '../support/docker-cli';
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';
import { cliWithToken } from '../support/tenant-cli';

let e: E2E;
let red: ReturnType<typeof cliWithToken>;
let blue: ReturnType<typeof cliWithToken>;
let allowed: string;
const started = Math.floor(Date.now() / 1000) - 1;

beforeAll(async () => {
  // The allowed bind path must be known before the daemon reads its config: a fixed name under the test's dir.
  const config = (dir: string) => `export default {
  plugins: ['store-sqlite', 'backend-local', 'tenants'],
  backends: { local: { driver: 'local' } },
  tenants: {
    tenants: {
      red: { tokens: ['red-token'], pools: ['red'], unprivileged: true, allowedBindPaths: [${JSON.stringify(dir)}] },
      blue: { tokens: ['blue-token'], pools: ['blue'] },
    },
  },
};
`;
  allowed = join('/tmp', `sockerless-tenant-binds-${process.pid}`);
  mkdirSync(allowed, { recursive: true });
  writeFileSync(join(allowed, 'hello'), 'from the host\n');
  e = await startE2E({ config: config(allowed) });
  red = cliWithToken(e, 'red', 'red-token');
  blue = cliWithToken(e, 'blue', 'blue-token');
  await red.ok(['volume', 'create', 'red-data']);
  // Made implicitly by a container's mount, and written to.
  await red.ok(['run', '--rm', '-v', 'red-implicit:/data', BUSYBOX, 'sh', '-c', 'echo red-secret > /data/s']);
  await blue.ok(['volume', 'create', 'blue-data']);
  await e.ok(['volume', 'create', 'operator-data']);
});

afterAll(async () => {
  await e?.dispose();
  rmSync(allowed, { recursive: true, force: true });
});

const lines = (s: string) => s.split('\n').filter(Boolean).sort();
/** A result with the volume's name replaced, so another tenant's volume and a missing one compare equal. */
const as = (r: CliResult, name: string) => ({ code: r.code, stdout: r.stdout, stderr: r.stderr.split(name).join('NAME') });

test('each tenant lists only its own volumes, marked as its own; the operator lists all', async () => {
  expect(lines(await red.ok(['volume', 'ls', '-q']))).toEqual(['red-data', 'red-implicit']);
  expect(lines(await blue.ok(['volume', 'ls', '-q']))).toEqual(['blue-data']);
  expect(lines(await e.ok(['volume', 'ls', '-q']))).toEqual(['blue-data', 'operator-data', 'red-data', 'red-implicit']);
  expect(await red.ok(['volume', 'inspect', '-f', '{{index .Labels "com.sockerless.tenant"}}', 'red-implicit'])).toBe('red');
  expect(await e.ok(['volume', 'inspect', '-f', '{{index .Labels "com.sockerless.tenant"}}', 'blue-data'])).toBe('blue');
});

test("a tenant's volume events show only its own volumes", async () => {
  const until = String(Math.ceil(Date.now() / 1000) + 1);
  const args = ['events', '--since', String(started), '--until', until, '--filter', 'type=volume', '--filter', 'event=create', '--format', '{{.Actor.ID}}'];
  expect(lines(await blue.ok(args))).toEqual(['blue-data']);
  expect(lines(await red.ok(args))).toEqual(['red-data', 'red-implicit']);
  expect(lines(await e.ok(args))).toEqual(['blue-data', 'operator-data', 'red-data', 'red-implicit']);
});

test("another tenant's volume answers inspect and rm exactly as a missing one", async () => {
  for (const verb of [['volume', 'inspect'], ['volume', 'rm']]) {
    for (const theirs of ['red-data', 'red-implicit', 'operator-data']) {
      const missing = `no-such-${theirs}`;
      expect({ verb, theirs, ...as(await blue.run([...verb, theirs]), theirs) }).toEqual({ verb, theirs, ...as(await blue.run([...verb, missing]), missing) });
    }
  }
  expect((await blue.run(['volume', 'inspect', 'red-data'])).code).toBe(1);
  // rm -f forgives a missing volume, and so removes nothing here either.
  expect((await blue.run(['volume', 'rm', '-f', 'red-data'])).code).toBe(0);
  await blue.ok(['volume', 'prune', '-a', '-f']);
  expect(lines(await e.ok(['volume', 'ls', '-q']))).toEqual(['operator-data', 'red-data', 'red-implicit']);
});

test("a tenant cannot mount, nor create again, a volume name another holds; the data stays unread", async () => {
  const attempts = [
    ['run', '--rm', '-v', 'red-implicit:/data', BUSYBOX, 'cat', '/data/s'],
    ['run', '--rm', '--mount', 'type=volume,src=red-implicit,dst=/data', BUSYBOX, 'cat', '/data/s'],
    ['create', '-v', 'red-data:/data', BUSYBOX, 'true'],
  ];
  for (const args of attempts) {
    const r = await blue.run(args);
    expect({ args, code: r.code, said: r.stderr.includes('the volume name is in use by another tenant') }).toEqual({ args, code: args[0] === 'run' ? 125 : 1, said: true });
    expect(r.stdout).not.toContain('red-secret');
  }
  const again = await blue.run(['volume', 'create', 'red-data']);
  expect({ code: again.code, said: again.stderr.includes('create red-data: the volume name is in use by another tenant') }).toEqual({ code: 1, said: true });
  // Nothing was left behind by the refused creates, and red's own data is intact.
  expect(await blue.ok(['ps', '-a', '-q'])).toBe('');
  expect(await red.ok(['run', '--rm', '-v', 'red-implicit:/data', BUSYBOX, 'cat', '/data/s'])).toBe('red-secret');
});

test("red's token is limited to unprivileged containers, each refusal naming the rule", async () => {
  const refused: Array<[string[], string]> = [
    [['--privileged'], 'Privileged'],
    [['--network', 'host'], 'NetworkMode host'],
    [['--pid', 'host'], 'PidMode host'],
    [['--ipc', 'host'], 'IpcMode host'],
    [['--uts', 'host'], 'UTSMode host'],
    // The CLI sends capabilities with their CAP_ prefix.
    [['--cap-add', 'SYS_ADMIN'], 'CapAdd (CAP_SYS_ADMIN)'],
    [['--device', '/dev/null:/dev/x'], 'Devices (/dev/null)'],
    [['--security-opt', 'seccomp=unconfined'], 'SecurityOpt seccomp=unconfined'],
  ];
  for (const [flags, what] of refused) {
    const r = await red.run(['create', ...flags, BUSYBOX, 'true']);
    expect({ flags, code: r.code, stderr: r.stderr.trim() }).toEqual({
      flags, code: 1, stderr: `Error response from daemon: tenant red may only create unprivileged containers (unprivileged: true): ${what} is refused`,
    });
  }
  const outside = await red.run(['create', '-v', '/etc:/host-etc', BUSYBOX, 'true']);
  expect(outside.stderr.trim()).toBe(`Error response from daemon: tenant red may bind-mount only under ${allowed} (allowedBindPaths): /etc is refused`);
  // Within the rules: a plain container, dropped capabilities, a bind under the allowed path.
  expect(await red.ok(['run', '--rm', '--cap-drop', 'NET_RAW', '-v', `${allowed}:/in`, BUSYBOX, 'cat', '/in/hello'])).toBe('from the host');
  // Blue has no such limit.
  const blueBox = await blue.ok(['create', '--cap-add', 'SYS_ADMIN', BUSYBOX, 'true']);
  await blue.ok(['rm', blueBox]);
  expect(await red.ok(['ps', '-a', '-q'])).toBe('');
});
