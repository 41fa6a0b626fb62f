import { Readable } from 'node:stream';
import { extract as tarExtract, pack as tarPack } from 'tar-stream';
import type { ExecSpec } from '../../contracts/backend';
import { check, checkEqual, errorCode, type ConformanceSession } from './session';
import { IDLE_AFTER_READY, NOT_EXECUTABLE_MESSAGE, NOT_FOUND_MESSAGE, type ConformanceScenario } from './scenario';

type Session = ConformanceSession<unknown>;

async function runningWorkload(s: Session) {
  const spec = s.spec(IDLE_AFTER_READY);
  const proc = await s.createAndStart(spec);
  await s.waitForText(proc.stdout, 'ready', { data: '' });
  return { spec, proc };
}

/** An exec as the core sends one (core/src/engine/exec-engine.ts): the container's env first. */
function execSpec(s: Session, argv: string[]): ExecSpec {
  return { argv, env: s.opts.env ?? [], workingDir: '', user: '', tty: false, attachStdin: false, privileged: false };
}

function tarOf(name: string, body: string): Readable {
  const pack = tarPack();
  pack.entry({ name, mode: 0o644 }, body);
  pack.finalize();
  return Readable.from(pack as unknown as AsyncIterable<Buffer>);
}

async function entriesOf(tar: Readable): Promise<Array<{ name: string; body: string }>> {
  const extract = tarExtract();
  tar.pipe(extract);
  const out: Array<{ name: string; body: string }> = [];
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c as Buffer);
    out.push({ name: entry.header.name, body: Buffer.concat(chunks).toString('utf8') });
  }
  return out;
}

export const powerScenarios: ConformanceScenario[] = [
  {
    name: 'recovery: a new instance on the same state dir lists what the old one made',
    power: 'recovery',
    async run(s) {
      const created = s.spec('exit 0');
      await s.driver.create(created);
      const exited = s.spec('exit 5');
      checkEqual((await s.finish(await s.createAndStart(exited))).status.exitCode, 5, 'exit code before the restart');
      const driver = await s.restartHost();
      const listed = await driver.list();
      for (const [what, spec] of [['a created container', created], ['an exited container', exited]] as const) {
        const w = listed.find((x) => x.id === spec.id);
        check(w, `after a restart, list() does not report ${what}: the core would lose it`);
        checkEqual(w.running, false, `running flag of ${what} after a restart`);
      }
      // What the core does with them at boot: a start again (restart policies) and a removal.
      checkEqual((await s.finish(await driver.start(exited))).status.exitCode, 5, 'exit code of a start after the restart');
      for (const spec of [created, exited]) await driver.remove(spec.id);
      check(!(await driver.list()).some((w) => w.id === created.id || w.id === exited.id), 'list() still reports containers removed after the restart');
    },
  },
  {
    name: 'recovery: a workload running across the restart is taken back or killed by the new instance',
    power: 'runningAcrossRestart',
    async run(s) {
      const { spec, proc } = await runningWorkload(s);
      const startedAt = new Date();
      const driver = await s.restartHost();
      const w = (await driver.list()).find((x) => x.id === spec.id);
      check(w, 'after a restart, list() does not report a running container');
      checkEqual(w.running, true, 'running flag of a container still running after the restart');
      // As the core's boot (core/src/engine/recovery.ts): reattach when the backend can, else kill what is left.
      const back = driver.reattach ? await driver.reattach(spec.id, { logsSince: startedAt }) : undefined;
      await driver.signal(spec.id, 'SIGKILL').catch((err: Error) => {
        throw new Error(`the new instance cannot kill a workload the old one left running ("${err.message}"): the core kills such a workload at boot`);
      });
      if (back) checkEqual((await s.exited(back, 'the reattached workload')).exitCode, 137, 'exit code of the reattached workload after SIGKILL');
      await driver.remove(spec.id);
      const left = await s.leftovers(spec.id, proc.pid);
      check(left.length === 0, `processes of the workload are still running after the new instance killed and removed it: ${left.join('; ')}`);
    },
  },
  {
    name: 'exec: a command in a running workload, its output and exit code',
    power: 'exec',
    needs: ['exec'],
    async run(s) {
      const { spec } = await runningWorkload(s);
      const r = await s.finish(await s.driver.exec!(spec.id, execSpec(s, ['sh', '-c', 'echo in-exec; echo exec-err >&2; exit 5'])), 'the exec');
      checkEqual(r.status.exitCode, 5, 'exit code of the exec');
      // A backend whose workload output merges the streams may still keep an exec's apart (an agent's exec does).
      if (s.opts.skip?.stderr) check(`${r.out}${r.err}`.includes('in-exec') && `${r.out}${r.err}`.includes('exec-err'), `exec output: expected both lines, got ${JSON.stringify([r.out, r.err])}`);
      else checkEqual([r.out, r.err], ['in-exec\n', 'exec-err\n'], 'stdout and stderr of the exec');
      const missing = await s.driver.exec!(spec.id, execSpec(s, ['sockerless-conformance-no-such-command'])).then(
        async (p) => `exit ${(await s.finish(p, 'the exec of a missing command')).status.exitCode}`,
        (err: Error) => err.message,
      );
      check(/^exit 12[67]$/.test(missing) || NOT_FOUND_MESSAGE.test(missing) || NOT_EXECUTABLE_MESSAGE.test(missing),
        `an exec of a missing command gave "${missing}": expected a 126/127 exit or an error saying "executable file not found"`);
    },
  },
  {
    name: 'archive: put, stat and get a file in a running workload',
    power: 'archive',
    needs: ['statPath', 'getArchive', 'putArchive'],
    async run(s) {
      const { spec } = await runningWorkload(s);
      const name = `conformance-${spec.id.slice(0, 8)}.txt`;
      const body = 'copied in by the conformance kit\n';
      await s.driver.putArchive!(spec.id, '/tmp', tarOf(name, body), { noOverwriteDirNonDir: false });
      const stat = await s.driver.statPath!(spec.id, `/tmp/${name}`);
      checkEqual([stat.name, stat.size], [name, body.length], 'name and size from statPath');
      const got = await s.driver.getArchive!(spec.id, `/tmp/${name}`);
      checkEqual(got.stat.name, name, 'the stat getArchive gives');
      const entries = await s.bounded(entriesOf(got.tar), 'the archive to end');
      checkEqual(entries, [{ name, body }], 'entries of the archive (the basename as the top entry, as docker cp expects)');
      const err = await s.driver.statPath!(spec.id, '/tmp/sockerless-conformance-nothing-here').then(() => undefined, (e: unknown) => e);
      checkEqual(errorCode(err), 'NotFound', 'error code of statPath on a missing path');
    },
  },
];
