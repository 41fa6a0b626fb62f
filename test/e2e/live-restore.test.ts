/**
 * Live-restore (issue 13 item 2): a running local container survives a `kill -9` of the daemon, a graceful
 * stop and a restart, held by its monitor; the booting daemon takes it back with the same pid, its logs go on,
 * exec, attach, stop and wait work, and one that exited during the outage shows its own exit code and time.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { DOCKER_CLI } from '../support/docker-cli';
import { startE2E, BUSYBOX, type E2E } from '../support/e2e';
import { startTerminal, type Terminal } from '../support/terminal';

let e: E2E;
let api: Docker;
beforeAll(async () => {
  e = await startE2E();
  api = new Docker({ socketPath: e.daemon.socket });
});
const terminals: Terminal[] = [];
afterEach(async () => {
  for (const t of terminals.splice(0)) await t.dispose();
});
afterAll(async () => { await e?.dispose(); });

/** The unchanged docker CLI in a real terminal (tmux), as a person would use it. */
async function terminal(): Promise<Terminal> {
  const t = await startTerminal({
    cols: 100, rows: 30,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: e.daemon.dir, DOCKER_HOST: e.daemon.dockerHost, DOCKER_CONFIG: join(e.daemon.dir, 'docker-config') },
  });
  terminals.push(t);
  return t;
}

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/\) Z /.test(readStat(pid));
function readStat(pid: number): string {
  try { return readFileSync(`/proc/${pid}/stat`, 'utf8'); } catch { return ''; }
}

/** Polls until `check` holds (state outside the daemon, with no event to wait on), failing after 20 s. */
async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

// As pid 1 of its namespace the shell has no default action for SIGTERM: it says what to do with it.
const counter = ['sh', '-c', 'trap "exit 0" TERM; i=0; while true; do echo $i; i=$((i+1)); sleep 0.02; done'];
const lastNumber = (logs: string) => Number(logs.trim().split('\n').pop());

test('a counter survives kill -9 of the daemon: same pid, logs go on, exec and stop work', async () => {
  const id = await e.ok(['run', '-d', '--name', 'counter', BUSYBOX, ...counter]);
  const pid = Number(await e.ok(['inspect', '-f', '{{.State.Pid}}', id]));
  await until('some output', async () => lastNumber(await e.ok(['logs', id])) >= 5);
  const before = lastNumber(await e.ok(['logs', id]));

  await e.daemon.kill9();
  expect(alive(pid)).toBe(true);
  await e.daemon.restart();

  expect(await e.ok(['inspect', '-f', '{{.State.Status}} {{.State.Pid}}', id])).toBe(`running ${pid}`);
  expect(await e.ok(['ps', '--format', '{{.Names}}'])).toContain('counter');
  // Lines written while the daemon was down are in the log, in order, without a gap or a repeat.
  await until('the count to go on', async () => lastNumber(await e.ok(['logs', id])) > before + 10);
  const numbers = (await e.ok(['logs', id])).trim().split('\n').map(Number);
  expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => i));
  // `docker logs -f` follows the live output: a number past the last one logged shows up on the screen.
  const now = lastNumber(await e.ok(['logs', id]));
  const t = await terminal();
  await t.line(`${DOCKER_CLI} logs -f --tail 1 ${id}`);
  await t.waitFor(new RegExp(`^${now + 20}$`, 'm'));
  await t.press('C-c');

  expect(await e.ok(['exec', id, 'sh', '-c', 'echo exec-$((40+2))'])).toBe('exec-42');
  await e.ok(['stop', '-t', '5', id]);
  expect(await e.ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', id])).toBe('exited 0');
  expect(alive(pid)).toBe(false);
  await e.ok(['rm', id]);
});

test('a container that exits while the daemon is down reports its own exit code and time', async () => {
  const dir = join(e.daemon.dir, 'gate');
  mkdirSync(dir, { recursive: true });
  const id = await e.ok(['run', '-d', '-v', `${dir}:/gate`, BUSYBOX, 'sh', '-c', 'echo waiting; while [ ! -f /gate/go ]; do sleep 0.02; done; echo bye; exit 7']);
  const pid = Number(await e.ok(['inspect', '-f', '{{.State.Pid}}', id]));
  await e.daemon.kill9();
  const before = Date.now();
  writeFileSync(join(dir, 'go'), '');
  // The monitor records the exit once the sandbox is gone, a moment after the workload's pid.
  await until('the exit to be recorded', () => existsSync(join(e.daemon.home, 'backends', 'local', 'containers', id, 'monitor', 'exit')));
  const after = Date.now();
  await new Promise((r) => setTimeout(r, 300)); // so a FinishedAt taken at reattach would be later than `after`
  await e.daemon.restart();
  expect(await e.ok(['wait', id])).toBe('7');
  expect(await e.ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}} {{.State.Error}}', id])).toBe('exited 7');
  const finished = Date.parse(await e.ok(['inspect', '-f', '{{.State.FinishedAt}}', id]));
  expect(finished).toBeGreaterThanOrEqual(before - 5);
  expect(finished).toBeLessThanOrEqual(after + 5);
  expect(await e.ok(['logs', id])).toBe('waiting\nbye');
  await e.ok(['rm', id]);
});

test('a restart policy applies to a container that exited during the outage', async () => {
  const dir = join(e.daemon.dir, 'gate2');
  mkdirSync(dir, { recursive: true });
  const id = await e.ok(['run', '-d', '--restart', 'on-failure', '-v', `${dir}:/gate`, BUSYBOX, 'sh', '-c', 'if [ -f /gate/go ]; then rm /gate/go; exit 3; fi; while [ ! -f /gate/go ]; do sleep 0.02; done; rm /gate/go; exit 3']);
  const pid = Number(await e.ok(['inspect', '-f', '{{.State.Pid}}', id]));
  await e.daemon.kill9();
  writeFileSync(join(dir, 'go'), '');
  await until('the workload to exit', () => !alive(pid));
  await e.daemon.restart();
  // As dockerd's restore: the exit is recorded, then the policy starts it again (a new process).
  await until('a start by its policy', async () => {
    const [status, newPid] = (await e.ok(['inspect', '-f', '{{.State.Status}} {{.State.Pid}}', id])).split(' ');
    return status === 'running' && Number(newPid) !== pid && Number(newPid) > 0;
  });
  expect(await e.ok(['logs', id])).toBe('');
  expect(e.daemon.output()).not.toContain('restart by policy failed');
  await e.ok(['rm', '-f', id]);
});

test('docker run -it in a terminal: after kill -9 and a restart, docker attach gets the same shell back', async () => {
  const t = await terminal();
  await t.line(`${DOCKER_CLI} run -it --name lr-tty ${BUSYBOX} sh; echo EXIT=$?`);
  await t.waitFor(/^\/ #$/m);
  await t.line('SURVIVED=yes-$((6*7))');
  // The shell has run the line once it prompts again after it: only then may the daemon die (the keystrokes
  // go through the CLI and the daemon, and a kill before they arrive would lose them, not the shell).
  await t.waitFor(/SURVIVED=yes-\$\(\(6\*7\)\)\s*\n\/ #/m);
  await e.daemon.kill9();
  // The CLI loses its connection; the shell in the container does not notice.
  await t.waitFor(/EXIT=\d+/);
  await e.daemon.restart();
  await t.clear();
  await t.line(`${DOCKER_CLI} attach lr-tty; echo EXIT=$?`);
  await t.press('Enter');
  await t.waitFor(/^\/ #/m);
  // The same shell: what was set before the kill is still there, and the terminal has the window's size.
  await t.line('echo $SURVIVED; stty size');
  await t.waitFor(/^yes-42\n30 100$/m);
  await t.line('exit 4');
  expect(Number((await t.waitFor(/EXIT=(\d+)/))[1])).toBe(4);
  expect(await e.ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'lr-tty'])).toBe('exited 4');
  await e.ok(['rm', 'lr-tty']);
});

test('a -it container\'s terminal is still usable after the restart (attach)', async () => {
  const id = await e.ok(['run', '-dit', BUSYBOX, 'sh']);
  await e.daemon.kill9();
  await e.daemon.restart();
  const c = api.getContainer(id);
  const stream = await c.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true });
  let out = '';
  const seen = new Promise<void>((resolve) => stream.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('hello-3')) resolve(); }));
  stream.write('echo hello-$((1+2)); stty size\n');
  await seen;
  stream.end();
  expect(out).toContain('hello-3');
  await e.ok(['rm', '-f', id]);
});

test('a graceful stop leaves containers running; published ports and networks answer again after the restart', async () => {
  await e.ok(['network', 'create', 'lr-net']);
  const web = await e.ok(['run', '-d', '--name', 'lr-web', '--network', 'lr-net', '-p', '127.0.0.1::8080', BUSYBOX, 'sh', '-c', 'mkdir -p /www && echo served > /www/index.html && exec httpd -f -p 8080 -h /www']);
  const client = await e.ok(['run', '-d', '--name', 'lr-client', '--network', 'lr-net', BUSYBOX, 'sleep', '300']);
  const port = (await e.ok(['port', web, '8080/tcp'])).split(':').pop();
  const fetchIt = async () => { try { return await (await fetch(`http://127.0.0.1:${port}/`)).text(); } catch { return ''; } };
  await until('the web server', async () => (await fetchIt()) === 'served\n');
  const pid = Number(await e.ok(['inspect', '-f', '{{.State.Pid}}', web]));

  await e.daemon.stop();
  expect(alive(pid)).toBe(true);
  await e.daemon.restart();
  expect(await e.ok(['port', web, '8080/tcp'])).toContain(`:${port}`);
  await until('the published port again', async () => (await fetchIt()) === 'served\n');
  expect(await e.ok(['exec', client, 'wget', '-q', '-O', '-', 'http://lr-web:8080/'])).toBe('served');
  await e.ok(['rm', '-f', web, client]);
  await e.ok(['network', 'rm', 'lr-net']);
});

test('docker wait and rm -f of a reattached container', async () => {
  const id = await e.ok(['run', '-d', BUSYBOX, 'sleep', '300']);
  const pid = Number(await e.ok(['inspect', '-f', '{{.State.Pid}}', id]));
  await e.daemon.kill9();
  await e.daemon.restart();
  const waited = e.ok(['wait', id]);
  await e.ok(['kill', id]);
  expect(await waited).toBe('137');
  await e.ok(['rm', id]);
  expect(alive(pid)).toBe(false);
});

test('output written while the daemon is down is kept beyond the FIFO (spooled), in order, without holding the workload up', async () => {
  // About 1.3 MiB of numbered lines while the daemon is down: far more than the 1 MiB a FIFO holds.
  const dir = join(e.daemon.dir, 'gate3');
  mkdirSync(dir, { recursive: true });
  const id = await e.ok(['run', '-d', '-v', `${dir}:/gate`, BUSYBOX, 'sh', '-c',
    'while [ ! -f /gate/go ]; do sleep 0.02; done; seq 1 200000; echo done > /gate/finished; sleep 300']);
  await e.daemon.kill9();
  writeFileSync(join(dir, 'go'), '');
  // The workload finishes writing with no daemon reading: the monitor spools it.
  await until('the workload to write everything', () => existsSync(join(dir, 'finished')));
  await e.daemon.restart();
  await until('every line in the log', async () => (await e.ok(['logs', '--tail', '1', id])) === '200000');
  const lines = (await e.ok(['logs', id])).split('\n');
  expect(lines.length).toBe(200000);
  expect(lines.every((l, i) => l === String(i + 1))).toBe(true);
  await e.ok(['rm', '-f', id]);
});
