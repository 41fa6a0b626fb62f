/**
 * The SDK's sandbox runner (the one sim-aws, sim-gcp and sim-azure share) on the host's sandbox runtime, as
 * sim-aws words it: argv and env merging with the image, output lines, exits, signals.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { AGENT_ENTRYPOINT, forEachLine, mergeArgv, mergeEnv } from '@sockerless/sdk';
import type { RunSpec } from '../src/context';
import { Readable } from 'node:stream';
import { BUSYBOX, startSimulator, type TestSimulator } from './helpers';

let sim: TestSimulator;
beforeAll(async () => { sim = await startSimulator(); });
afterAll(async () => { await sim?.close(); });

async function run(over: Partial<RunSpec>) {
  const lines: Array<[string, string]> = [];
  const spec: RunSpec = {
    id: randomBytes(16).toString('hex'), image: BUSYBOX, argv: [], env: [], workingDir: '', user: '',
    onLine: (stream, line) => lines.push([stream, line]), ...over,
  };
  const w = await sim.simulator.context.runner.run(spec);
  const status = await w.exited;
  return { status, lines, out: lines.filter(([s]) => s === 'stdout').map(([, l]) => l), err: lines.filter(([s]) => s === 'stderr').map(([, l]) => l) };
}

test('stdout and stderr arrive as lines, a last partial line included; the exit code is real', async () => {
  const r = await run({ argv: ['sh', '-c', 'printf "a\\nb\\n"; echo e1 >&2; printf partial; exit 7'] });
  expect(r.status.exitCode).toBe(7);
  expect(r.out).toEqual(['a', 'b', 'partial']);
  expect(r.err).toEqual(['e1']);
});

test('an empty argv takes the image defaults; entrypoint and cmd follow Docker', async () => {
  expect((await run({ argv: [], cmd: ['echo', 'from-cmd'] })).out).toEqual(['from-cmd']);
  expect((await run({ argv: [], entrypoint: ['echo', 'ep'] })).out).toEqual(['ep']);
  expect((await run({ argv: [], entrypoint: ['echo'], cmd: ['a', 'b'] })).out).toEqual(['a b']);
  // The image's CMD is /bin/sh: with no stdin it exits 0 at once.
  expect((await run({ argv: [] })).status.exitCode).toBe(0);
});

test('env is merged over the image env; working dir, user and hostname apply', async () => {
  const id = randomBytes(16).toString('hex');
  const r = await run({ id, argv: ['sh', '-c', 'echo "$PATH|$FOO|$(pwd)|$(id -u)|$(hostname)"'], env: ['FOO=bar'], workingDir: '/tmp', user: '1000' });
  expect(r.out).toEqual([`/usr/sbin:/usr/bin:/sbin:/bin|bar|/tmp|1000|${id.slice(0, 12)}`]);
  expect(mergeEnv(['PATH=/a', 'X=1'], ['X=2', 'Y=3'])).toEqual(['PATH=/a', 'X=2', 'Y=3']);
  expect(mergeArgv({ Entrypoint: ['ep'], Cmd: ['c'] }, undefined, undefined)).toEqual(['ep', 'c']);
  expect(mergeArgv({ Entrypoint: ['ep'], Cmd: ['c'] }, ['new'], undefined)).toEqual(['new']);
  expect(mergeArgv({ Entrypoint: ['ep'], Cmd: ['c'] }, undefined, ['x'])).toEqual(['ep', 'x']);
});

test('signal reaches the process; an unknown image is CannotPullContainerError', async () => {
  const lines: string[] = [];
  const w = await sim.simulator.context.runner.run({ id: randomBytes(16).toString('hex'), image: BUSYBOX, argv: ['sh', '-c', 'echo up; exec sleep 1000'], env: [], workingDir: '', user: '', onLine: (_s, l) => lines.push(l) });
  await w.signal('SIGKILL');
  const st = await w.exited;
  expect(st.exitCode).toBe(137);
  await expect(sim.simulator.context.runner.run({ id: 'x'.repeat(32), image: 'missing/image:1', argv: ['true'], env: [], workingDir: '', user: '', onLine: () => undefined }))
    .rejects.toThrow(/^CannotPullContainerError: /);
});

const agentBuilt = existsSync(join(__dirname, '../../../sdk/dist/agent/main.js'));
(agentBuilt ? test : test.skip)('the workload agent is available at its entrypoint path', async () => {
  const r = await run({ argv: ['sh', '-c', `test -x ${AGENT_ENTRYPOINT} && echo present`] });
  expect(r.out).toEqual(['present']);
});

test('forEachLine splits chunks across boundaries', async () => {
  const got: string[] = [];
  await forEachLine(Readable.from([Buffer.from('ab'), Buffer.from('c\nd'), Buffer.from('\n\nlast')]), (l) => got.push(l));
  expect(got).toEqual(['abc', 'd', '', 'last']);
});
