/**
 * native/shim.c, the per-container monitor behind live-restore, driven directly as the daemon drives it.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmdirSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import {
  BUSYBOX, FifoReader, adoptTempDir, buildShim, drainFifo, dropCtl, isAlive, killStarted, openWriter, removeTempDirs, sendCtl, spawnShim,
  eventually, startShim, tempDir, track, waitForExitFile, waitGone,
} from './shim-harness';

const sh = (script: string) => [BUSYBOX, 'sh', '-c', script];
/** Opening /dev/tty fails (ENXIO) in a process without a controlling terminal. */
const HAS_CTTY = '(: </dev/tty) 2>/dev/null && echo ctty:yes || echo ctty:no';
const COUNTER = 'i=0; while true; do echo $i; i=$((i+1)); sleep 0.05; done';
let shim: string;
const readers: FifoReader[] = [];
const reader = (path: string) => { const r = new FifoReader(path); readers.push(r); return r; };
const numbers = (text: string) => text.split('\n').filter((l) => /^\d+$/.test(l)).map(Number);

beforeAll(() => { shim = buildShim(); }, 120_000);
afterEach(() => { readers.splice(0).forEach((r) => r.close()); killStarted(); });
afterAll(() => removeTempDirs());

test('relays a workload\'s output through its FIFOs, records its exit, and exits 0 on release', async () => {
  const before = BigInt(Date.now()) * 1_000_000n;
  // The workload waits for a line on stdin so that the readers are open before it exits: a FIFO reader opened
  // after the last writer left never gets POLLHUP from Linux (the daemon drains with read() then, see below).
  const run = await startShim(shim, ['--stdin'], sh('read go; echo out; echo err >&2; exit 3'));
  const out = reader(join(run.dir, 'stdout'));
  const err = reader(join(run.dir, 'stderr'));
  const wait = reader(join(run.dir, 'wait'));
  const input = openWriter(join(run.dir, 'stdin'));
  writeSync(input, 'go\n');
  closeSync(input);
  await Promise.all([out.end(), err.end(), wait.end()]);
  expect(out.text).toBe('out\n');
  expect(err.text).toBe('err\n');
  const exit = await waitForExitFile(run.dir);
  expect(exit).toMatchObject({ code: 3, signal: 0 });
  expect(exit.finishedAtNs).toBeGreaterThanOrEqual(before);
  expect(exit.finishedAtNs).toBeLessThanOrEqual(BigInt(Date.now()) * 1_000_000n);
  const [pid, startTime] = readFileSync(join(run.dir, 'shim.pid'), 'utf8').trim().split(' ').map(Number);
  expect(pid).toBe(run.shim.pid);
  expect(startTime).toBe(Number(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[19]));
  sendCtl(run.dir, 'release');
  expect(await run.exited).toEqual({ code: 0, signal: null });
});

test('the workload outlives a SIGKILLed daemon and a new reader continues its output', async () => {
  // A throwaway "daemon" that spawns the shim detached, reads some output, reports, and is SIGKILLed.
  const script = `
    const { spawn } = require('node:child_process');
    const fs = require('node:fs');
    const net = require('node:net');
    const dir = fs.mkdtempSync(require('node:os').tmpdir() + '/sockerless-shim-');
    const s = spawn(${JSON.stringify(shim)}, ['--dir', dir, '--', ${sh(COUNTER).map((a) => JSON.stringify(a)).join(',')}],
      { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    s.unref();
    let line = '';
    s.stdout.on('data', (d) => { line += d; });
    s.stdout.on('end', () => {
      const fd = fs.openSync(dir + '/stdout', fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
      let text = '';
      let reported = false;
      new net.Socket({ fd, readable: true, writable: false }).on('data', (d) => {
        text += d;
        const seen = text.split('\\n').filter(Boolean).map(Number);
        // At least three (one read may bring several lines on a busy machine), reported once.
        if (seen.length >= 3 && !reported) { reported = true; console.log(['ready', s.pid, line.split(' ')[1].trim(), seen[seen.length - 1], dir].join(' ')); }
      });
    });`;
  const daemon = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  track(daemon.pid!);
  let report = '';
  daemon.stdout!.on('data', (d) => { report += d; });
  await new Promise<void>((resolve) => daemon.stdout!.on('data', () => { if (report.includes('\n')) resolve(); }));
  const [, shimPid, childPid, lastSeen, dir] = report.trim().split(' ');
  [shimPid, childPid].forEach((p) => track(Number(p)));
  adoptTempDir(dir);
  daemon.kill('SIGKILL');
  await new Promise((r) => daemon.on('exit', r));

  expect(isAlive(Number(shimPid))).toBe(true);
  expect(isAlive(Number(childPid))).toBe(true);
  const out = reader(join(dir, 'stdout'));
  const text = await out.until((t) => numbers(t).length >= 5);
  const counted = numbers(text);
  expect(counted[0]).toBeGreaterThan(Number(lastSeen));
  counted.forEach((n, i) => { if (i > 0) expect(n).toBe(counted[i - 1] + 1); });

  process.kill(Number(childPid), 'SIGKILL');
  expect(await waitForExitFile(dir)).toMatchObject({ code: 137, signal: 9 });
  sendCtl(dir, 'release');
  await waitGone(Number(shimPid));
});

test('output written while nobody reads is kept for the daemon that drains it after the exit', async () => {
  const run = await startShim(shim, [], sh('i=0; while [ $i -lt 1000 ]; do echo line$i; i=$((i+1)); done'));
  expect(await waitForExitFile(run.dir)).toMatchObject({ code: 0, signal: 0 });
  const lines = drainFifo(join(run.dir, 'stdout')).split('\n').filter(Boolean);
  expect(lines).toHaveLength(1000);
  expect(lines[999]).toBe('line999');
});

test('stdin is relayed until close-stdin, and a daemon\'s writer going away does not end it', async () => {
  const run = await startShim(shim, ['--stdin'], sh('cat; echo done'));
  const out = reader(join(run.dir, 'stdout'));
  const first = openWriter(join(run.dir, 'stdin'));
  writeSync(first, 'one\n');
  closeSync(first); // the daemon restarts: its writer is gone, the workload's stdin must stay open
  await out.until((t) => t === 'one\n');
  const second = openWriter(join(run.dir, 'stdin'));
  writeSync(second, 'two\n');
  await out.until((t) => t === 'one\ntwo\n'); // no "done" in between: cat never saw an EOF
  writeSync(second, 'three\n');
  sendCtl(run.dir, 'release'); // ignored while the workload runs
  sendCtl(run.dir, 'no such command');
  sendCtl(run.dir, 'close-stdin'); // a third writer of `ctl`: the shim reopened it after each one left
  await out.end();
  expect(out.text).toBe('one\ntwo\nthree\ndone\n');
  expect(await waitForExitFile(run.dir)).toMatchObject({ code: 0, signal: 0 });
  closeSync(second);
});

test('a TTY workload gets its size, input, a resize and its exit', async () => {
  const run = await startShim(shim, ['--tty', '30', '100', '--ctty', '--stdin'],
    sh(`${HAS_CTTY}; stty size; read x; echo got:$x; read y; stty size; exit 5`));
  const out = reader(join(run.dir, 'stdout'));
  await out.until((t) => t.includes('30 100'));
  expect(out.text).toContain('ctty:yes'); // --ctty made the terminal the controlling one
  const input = openWriter(join(run.dir, 'stdin'));
  writeSync(input, 'hello\n');
  await out.until((t) => t.includes('got:hello'));
  sendCtl(run.dir, 'resize 40 120'); // processed before the next stdin bytes, which are written after it
  writeSync(input, '\n');
  await out.until((t) => t.includes('40 120'));
  await out.end();
  expect(await waitForExitFile(run.dir)).toMatchObject({ code: 5, signal: 0 });
  expect(existsSync(join(run.dir, 'stderr'))).toBe(false);
  closeSync(input);
});

test('a TTY\'s output is kept whole while nobody reads it, and the exit waits at most briefly for a background holder', async () => {
  const dir = tempDir();
  const progress = join(dir, 'progress');
  // 3 MB in 100 kB steps, each one logged to a file: more than the FIFO, the relay buffer and the terminal hold.
  const run = await startShim(shim, ['--tty', '24', '80'], sh(`stty -opost; i=0; while [ $i -lt 30 ]; do
      head -c 100000 /dev/zero | tr '\\0' x; i=$((i+1)); echo $i > ${progress}; done; echo; sleep 1000 & echo end`));
  track(-run.childPid); // the session's process group: the background sleep outlives the workload
  // Nobody reads until 800 kB went through the shim's relay into the FIFO.
  await eventually(() => (existsSync(progress) && Number(readFileSync(progress, 'utf8')) >= 8 ? true : undefined), 'progress');
  const out = reader(join(run.dir, 'stdout'));
  await out.end(); // the background sleep still holds the terminal: the shim stops relaying 250 ms after the exit
  expect(out.text).toBe(`${'x'.repeat(3_000_000)}\nend\n`);
  expect(await waitForExitFile(run.dir)).toMatchObject({ code: 0, signal: 0 });
});

test('a reader of `wait` sees EOF when the shim dies', async () => {
  const run = await startShim(shim, [], ['/bin/sleep', '1000']);
  const wait = reader(join(run.dir, 'wait'));
  process.kill(run.shim.pid!, 'SIGKILL');
  await wait.end();
  expect(existsSync(join(run.dir, 'exit'))).toBe(false);
});

test('the workload inherits the daemon\'s extra fds and --cwd, and none of the shim\'s own', async () => {
  const cwd = tempDir();
  const run = spawnShim(shim, ['--cwd', cwd, '--stdin'], sh('pwd; echo via-fd-4 >&4; exec ls -l /proc/self/fd'), ['ignore', 'pipe']);
  const viaFd4 = new Promise<string>((resolve) => run.shim.stdio[4]!.once('data', (d) => resolve(String(d))));
  expect(await run.stdout).toMatch(/^pid \d+\n$/);
  expect(await viaFd4).toBe('via-fd-4\n');
  await waitForExitFile(run.dir);
  const [pwd, ...fds] = drainFifo(join(run.dir, 'stdout')).trim().split('\n');
  expect(pwd).toBe(cwd);
  const targets: Record<string, string> = Object.fromEntries(fds.filter((l) => l.includes(' -> ')).map((l) => /(\d+) -> (.*)$/.exec(l)!.slice(1)));
  expect(targets['1']).toBe(join(run.dir, 'stdout'));
  expect(targets['2']).toBe(join(run.dir, 'stderr'));
  expect(targets['0']).toMatch(/^pipe:/); // the relay from the `stdin` FIFO, not the FIFO itself
  expect(targets['4']).toMatch(/^socket:/);
  // Every fd the shim opened is close-on-exec: its FIFO ends, the signalfd, the exec-report pipe, DIR.
  const leaked = Object.entries(targets).filter(([fd, target]) => !['0', '1', '2', '4'].includes(fd)
    && (target.startsWith(run.dir) || /signalfd|ptmx/.test(target)));
  expect(leaked).toEqual([]);
});

test('close-stdin on a TTY sends ^D after the pending input', async () => {
  const run = await startShim(shim, ['--tty', '24', '80', '--stdin'], sh(`${HAS_CTTY}; cat; echo done`));
  const out = reader(join(run.dir, 'stdout'));
  await out.until((t) => t.includes('ctty:')); // the terminal echoes input at once: write it after this line
  const input = openWriter(join(run.dir, 'stdin'));
  writeSync(input, 'abc\n');
  sendCtl(run.dir, 'close-stdin');
  await out.end();
  // Without --ctty the workload's new session has no controlling terminal until it takes one itself.
  expect(out.text.replace(/\r/g, '')).toMatch(/^ctty:no\n(abc\n)?abc\ndone\n$/);
  expect(await waitForExitFile(run.dir)).toMatchObject({ code: 0 });
  closeSync(input);
});

test('a program that cannot be executed fails the handshake with 127 and an error line', async () => {
  const s = spawnShim(shim, [], ['/nonexistent']);
  const [stdout, stderr, exit] = await Promise.all([s.stdout, s.stderr, s.exited]);
  expect(stdout).toBe('');
  expect(stderr).toBe('error exec /nonexistent: No such file or directory\n');
  expect(exit).toEqual({ code: 127, signal: null });
});

test('a workload ended by a signal records 128+N, and --kill-group kills what it left behind', async () => {
  const run = await startShim(shim, ['--kill-group'], sh('sleep 1000 & echo $!; exec sleep 1000'));
  const out = reader(join(run.dir, 'stdout'));
  const background = Number((await out.until((t) => t.endsWith('\n'))).trim());
  track(background);
  expect(isAlive(background)).toBe(true);
  process.kill(run.childPid, 'SIGTERM');
  expect(await waitForExitFile(run.dir)).toMatchObject({ code: 143, signal: 15 });
  await waitGone(background);
  await out.end(); // nothing holds the output open any more
});

const pidsCgroups = '/sys/fs/cgroup/pids';
(existsSync(join(pidsCgroups, 'cgroup.procs')) ? test : test.skip)('--cgroup-fd puts the shim and its workload in the cgroup', async () => {
  const cgroup = join(pidsCgroups, `sockerless-shim-test-${process.pid}-${Date.now()}`);
  mkdirSync(cgroup);
  const procs = openSync(join(cgroup, 'cgroup.procs'), 'w');
  try {
    const run = await startShim(shim, ['--cgroup-fd', '3'], sh('exec sleep 1000'), [procs]);
    const members = readFileSync(join(cgroup, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
    expect(members).toEqual(expect.arrayContaining([run.shim.pid, run.childPid]));
    process.kill(run.childPid, 'SIGKILL');
    await waitForExitFile(run.dir);
    process.kill(run.shim.pid!, 'SIGKILL');
    await run.exited;
  } finally {
    closeSync(procs);
    rmdirSync(cgroup);
  }
});

test('the shim ignores SIGTERM, SIGHUP, SIGINT and SIGQUIT and keeps the workload', async () => {
  const run = await startShim(shim, ['--stdin'], [BUSYBOX, 'cat']);
  let shimExit: unknown;
  void run.exited.then((e) => { shimExit = e; });
  const out = reader(join(run.dir, 'stdout'));
  for (const signal of ['SIGTERM', 'SIGHUP', 'SIGINT', 'SIGQUIT'] as const) process.kill(run.shim.pid!, signal);
  // The shim relays this after the signals were delivered to it: both it and the workload are still there.
  const input = openWriter(join(run.dir, 'stdin'));
  writeSync(input, 'still here\n');
  await out.until((t) => t === 'still here\n');
  closeSync(input);
  expect(shimExit).toBeUndefined();
  expect(isAlive(run.shim.pid!)).toBe(true);
  expect(isAlive(run.childPid)).toBe(true);
});

test('while no daemon holds `ctl`, output goes to the spool; `attach` stops it, acks, and the FIFO carries the rest', async () => {
  const work = tempDir();
  const run = await startShim(shim, ['--cwd', work], sh('i=0; while [ ! -f go ]; do sleep 0.01; done; while [ $i -lt 50000 ]; do echo $i; i=$((i+1)); done; touch spooled; while [ ! -f more ]; do sleep 0.01; done; echo after'));
  sendCtl(run.dir, 'resize 1 1'); // the daemon is there
  dropCtl(run.dir); // and goes away: the shim spools
  writeFileSync(join(work, 'go'), '');
  // ~290 kB: past what an unread 64 kB pipe would take, so the workload only gets through if it is spooled.
  await eventually(() => (existsSync(join(work, 'spooled')) ? true : undefined), 'the workload to write everything');
  const ack = reader(join(run.dir, 'ack'));
  sendCtl(run.dir, 'attach');
  await ack.until((t) => t === 'a');
  const spooled = readFileSync(join(run.dir, 'stdout.spool'), 'utf8').split('\n').filter(Boolean);
  expect(spooled).toHaveLength(50000);
  expect(spooled.every((l, i) => l === String(i))).toBe(true);
  const out = reader(join(run.dir, 'stdout'));
  writeFileSync(join(work, 'more'), '');
  await out.until((t) => t === 'after\n');
  expect(await waitForExitFile(run.dir)).toMatchObject({ code: 0 });
});

test('output that arrives in the same poll round as `attach` stays in the FIFO for the daemon, not lost', async () => {
  const work = tempDir();
  const run = await startShim(shim, ['--cwd', work], sh('while [ ! -f done ]; do sleep 0.01; done'));
  sendCtl(run.dir, 'resize 1 1');
  dropCtl(run.dir);
  await eventually(() => (existsSync(join(run.dir, 'stdout.spool')) ? true : undefined), 'the shim to spool');
  // Stopped, the shim finds both the workload's line and the daemon's `attach` ready when its poll returns.
  process.kill(run.shim.pid!, 'SIGSTOP');
  await eventually(() => (/\) T /.test(readFileSync(`/proc/${run.shim.pid}/stat`, 'utf8')) ? true : undefined), 'the shim to stop');
  const workloadEnd = openWriter(join(run.dir, 'stdout'));
  writeSync(workloadEnd, 'boundary\n');
  closeSync(workloadEnd);
  const ack = reader(join(run.dir, 'ack'));
  sendCtl(run.dir, 'attach');
  process.kill(run.shim.pid!, 'SIGCONT');
  await ack.until((t) => t === 'a');
  // Nothing went to the spool after the ack: the line is the first thing the daemon reads from the FIFO.
  expect(readFileSync(join(run.dir, 'stdout.spool'), 'utf8')).toBe('');
  const out = reader(join(run.dir, 'stdout'));
  await out.until((t) => t === 'boundary\n');
  writeFileSync(join(work, 'done'), '');
  expect(await waitForExitFile(run.dir)).toMatchObject({ code: 0 });
});
