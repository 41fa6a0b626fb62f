import type { WorkloadProcess } from '../../contracts/backend';
import { check, checkEqual, ConformanceError, errorCode, type ConformanceSession } from './session';
import { IDLE_AFTER_READY, NOT_EXECUTABLE_MESSAGE, NOT_FOUND_MESSAGE, type ConformanceScenario } from './scenario';

type Session = ConformanceSession<unknown>;

/** Starts a spec whose start may fail: the process, or the start's error message. */
async function startOrFailure(s: Session, argv: string[]): Promise<WorkloadProcess | string> {
  const spec = s.spec('', { argv });
  await s.driver.create(spec);
  try {
    return await s.driver.start(spec);
  } catch (err) {
    return (err as Error).message;
  }
}

/** Runs to a `ready` line: the process and the output gathered so far (keep passing `sink` to gather more). */
async function startReady(s: Session, script: string | ((marker: string) => string)) {
  const spec = s.spec(script);
  const proc = await s.createAndStart(spec);
  const sink = { data: '' };
  await s.waitForText(proc.stdout, 'ready', sink);
  return { spec, proc, sink };
}

/** The exit of a SIGKILL: Docker's 137, and the signal's name when the backend reports one. */
async function checkKilled(s: Session, proc: WorkloadProcess, what: string): Promise<void> {
  const status = await s.exited(proc, what);
  checkEqual(status.exitCode, 137, `exit code of ${what} after SIGKILL`);
  if (status.signal !== undefined) checkEqual(status.signal, 'SIGKILL', `signal of ${what}`);
}

export const lifecycleScenarios: ConformanceScenario[] = [
  {
    name: 'create, start and wait: exit codes 0 and 3',
    async run(s) {
      checkEqual((await s.finish(await s.createAndStart(s.spec('exit 0')))).status.exitCode, 0, 'exit code of `exit 0`');
      checkEqual((await s.finish(await s.createAndStart(s.spec('exit 3')))).status.exitCode, 3, 'exit code of `exit 3`');
    },
  },
  {
    name: 'a missing command gives Docker\'s 127',
    async run(s) {
      const outcome = await startOrFailure(s, ['sockerless-conformance-no-such-command']);
      if (typeof outcome === 'string') {
        check(NOT_FOUND_MESSAGE.test(outcome), `start failed with "${outcome}", which the core cannot map to 127: say "executable file not found" or "no such file or directory", as runc does`);
        return;
      }
      checkEqual((await s.finish(outcome, 'the missing command')).status.exitCode, 127, 'exit code of a missing command');
    },
  },
  {
    name: 'a command that is not executable gives Docker\'s 126',
    power: 'exitCode126',
    async run(s) {
      const outcome = await startOrFailure(s, ['/']);
      if (typeof outcome === 'string') {
        check(NOT_EXECUTABLE_MESSAGE.test(outcome), `start of "/" failed with "${outcome}", which the core cannot map to 126: say "permission denied", as runc does`);
        return;
      }
      checkEqual((await s.finish(outcome, 'the start of "/"')).status.exitCode, 126, 'exit code of "/" as a command');
    },
  },
  {
    name: 'stdout and stderr are kept apart',
    power: 'stderr',
    async run(s) {
      const r = await s.finish(await s.createAndStart(s.spec('echo to-out; echo to-err >&2')));
      checkEqual(r.out, 'to-out\n', 'stdout');
      checkEqual(r.err, 'to-err\n', 'stderr');
    },
  },
  {
    name: 'stdin reaches the workload and its end closes it',
    power: 'stdin',
    async run(s) {
      const proc = await s.createAndStart(s.spec('cat; echo stdin-closed', { openStdin: true }));
      check(proc.stdin, 'a workload started with openStdin has no stdin stream');
      const done = s.finish(proc);
      proc.stdin.end('hello through stdin\n');
      const r = await done;
      checkEqual(r.out, 'hello through stdin\nstdin-closed\n', 'stdout of `cat` fed through stdin');
      checkEqual(r.status.exitCode, 0, 'exit code');
    },
  },
  {
    name: 'logs follow: output arrives while the workload runs',
    async run(s) {
      const { spec, proc } = await startReady(s, IDLE_AFTER_READY);
      check(await s.stillRunningAfter(proc, 0), 'the workload exited before its output arrived: output must stream, not come at the exit');
      await s.driver.signal(spec.id, 'SIGKILL');
      await checkKilled(s, proc, 'the following workload');
    },
  },
  {
    name: 'logs tail: long output arrives whole and in order',
    async run(s) {
      const r = await s.finish(await s.createAndStart(s.spec('i=1; while [ $i -le 500 ]; do echo line-$i; i=$((i+1)); done')));
      const lines = r.out.split('\n').filter(Boolean);
      checkEqual(lines.length, 500, 'number of lines');
      const wrong = lines.findIndex((l, i) => l !== `line-${i + 1}`);
      check(wrong < 0, `line ${wrong + 1} is ${JSON.stringify(lines[wrong])}: lines arrive out of order or altered`);
      checkEqual(r.status.exitCode, 0, 'exit code');
    },
  },
  {
    name: 'stop: SIGTERM is honoured within the grace period',
    async run(s) {
      const { spec, proc, sink } = await startReady(s, `trap 'echo got-term; exit 0' TERM; ${IDLE_AFTER_READY}`);
      await s.driver.signal(spec.id, 'SIGTERM');
      const [status] = await Promise.all([s.exited(proc), s.waitForText(proc.stdout, 'got-term', sink)]);
      checkEqual(status.exitCode, 0, 'exit code of a workload whose SIGTERM trap exits 0');
    },
  },
  {
    name: 'stop: SIGKILL after the grace period ends a workload that ignores SIGTERM',
    async run(s) {
      const { spec, proc } = await startReady(s, `trap '' TERM; ${IDLE_AFTER_READY}`);
      await s.driver.signal(spec.id, 'SIGTERM');
      const grace = s.opts.stopGraceMs ?? 1000;
      check(await s.stillRunningAfter(proc, grace), `a workload that ignores SIGTERM exited within ${grace} ms of it: the stop signal must be delivered as it is, not as SIGKILL`);
      await s.driver.signal(spec.id, 'SIGKILL');
      await checkKilled(s, proc, 'the workload');
    },
  },
  {
    name: 'kill: other signals reach the workload by name',
    power: 'signals',
    async run(s) {
      const { spec, proc, sink } = await startReady(s, `trap 'echo got-hup' HUP; trap 'echo got-usr1' USR1; ${IDLE_AFTER_READY}`);
      await s.driver.signal(spec.id, 'SIGHUP');
      await s.waitForText(proc.stdout, 'got-hup', sink);
      await s.driver.signal(spec.id, 'USR1');
      await s.waitForText(proc.stdout, 'got-usr1', sink);
      await s.driver.signal(spec.id, '9');
      await checkKilled(s, proc, 'the workload');
    },
  },
  {
    name: 'kill: a signal to a workload that has exited is NotFound',
    async run(s) {
      const spec = s.spec('exit 0');
      await s.finish(await s.createAndStart(spec));
      const err = await s.driver.signal(spec.id, 'SIGTERM').then(() => undefined, (e: unknown) => e);
      check(err, 'a signal to an exited workload succeeded');
      checkEqual(errorCode(err), 'NotFound', `error code of a signal to an exited workload ("${(err as Error).message}")`);
    },
  },
  {
    name: 'remove while running, as docker rm -f: SIGKILL, the exit, then nothing is left',
    async run(s) {
      // A child of its own (named by the marker too), as a workload's helpers are: it must end with it.
      const { spec, proc } = await startReady(s, (marker) => `sh -c 'while :; do sleep 0.1; done' ${marker}-child & ${IDLE_AFTER_READY}`);
      await s.driver.signal(spec.id, 'SIGKILL');
      await checkKilled(s, proc, 'the workload');
      await s.driver.remove(spec.id);
      const listed = (await s.driver.list()).map((w) => w.id);
      check(!listed.includes(spec.id), 'list() still reports the removed workload');
      const left = await s.leftovers(spec.id, proc.pid);
      check(left.length === 0, `processes of the removed workload are still running: ${left.join('; ')}`);
      await s.driver.remove(spec.id).catch((err: Error) => { throw new ConformanceError(`a second remove failed ("${err.message}"); remove may be called more than once`); });
    },
  },
  {
    name: 'remove: a container that never ran, twice',
    async run(s) {
      const spec = s.spec('exit 0');
      await s.driver.create(spec);
      const before = (await s.driver.list()).find((w) => w.id === spec.id);
      check(before, 'list() does not report a created container');
      checkEqual(before.running, false, 'running flag of a created container');
      await s.driver.remove(spec.id);
      await s.driver.remove(spec.id);
      check(!(await s.driver.list()).some((w) => w.id === spec.id), 'list() still reports the removed container');
    },
  },
  {
    name: 'restart: a container that exited starts again',
    async run(s) {
      const spec = s.spec('echo ran; exit 4');
      await s.driver.create(spec);
      for (const run of ['first', 'second']) {
        const r = await s.finish(await s.driver.start(spec), `the ${run} run`);
        checkEqual(r.out, 'ran\n', `output of the ${run} run`);
        checkEqual(r.status.exitCode, 4, `exit code of the ${run} run`);
      }
    },
  },
  {
    name: 'list: what the instance manages, with whether it runs',
    async run(s) {
      const created = s.spec('exit 0');
      await s.driver.create(created);
      const { spec: running, proc } = await startReady(s, IDLE_AFTER_READY);
      const listed = await s.driver.list();
      checkEqual(listed.find((w) => w.id === created.id)?.running, false, 'running flag of a created container');
      checkEqual(listed.find((w) => w.id === running.id)?.running, true, 'running flag of a running container');
      await s.driver.signal(running.id, 'SIGKILL');
      await checkKilled(s, proc, 'the running container');
    },
  },
  {
    name: 'concurrent containers run side by side',
    async run(s) {
      const n = s.opts.concurrency ?? 6;
      const results = await Promise.all(Array.from({ length: n }, async (_, i) => s.finish(await s.createAndStart(s.spec(`echo c-${i}; exit ${10 + i}`)), `container ${i}`)));
      results.forEach((r, i) => {
        checkEqual(r.out, `c-${i}\n`, `output of container ${i} of ${n}`);
        checkEqual(r.status.exitCode, 10 + i, `exit code of container ${i} of ${n}`);
      });
    },
  },
];
