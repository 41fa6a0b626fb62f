/**
 * Starts both engines with the same busybox image and runs the scenario list on them side by side.
 * Standalone run (prints the table): `npx jest test/differential`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docker } from '../support/docker-cli';
import { startPrivateDockerd, type PrivateDockerd } from '../support/dockerd';
import { BUSYBOX, BUSYBOX_IMPORT_CHANGES, startE2E, type E2E } from '../support/e2e';
import { buildBusyboxRootfsTar } from '../support/images';
import { freePort, startRegistry, type TestRegistry } from '../support/registry';
import { REGISTRY_USER } from './scenarios/registry';
import { stepName, type Answer, type Scenario } from './model';
import { compareScenario } from './compare';
import { call, runScenario, sweep, API_VERSION, type EngineTarget } from './runner';
import type { SuiteResult } from './report';

export interface Engines {
  docker: EngineTarget;
  ours: EngineTarget;
  /** Stops both engines by PID and removes every temp dir; safe after a partial start. */
  dispose(): Promise<void>;
}

async function imageKnownValues(socket: string): Promise<Map<string, string>> {
  const image = await call(socket, 'GET', `/${API_VERSION}/images/${BUSYBOX}/json`);
  const id = (image.json as { Id?: string } | undefined)?.Id?.replace(/^sha256:/, '');
  if (image.status !== 200 || !id) throw new Error(`cannot inspect ${BUSYBOX}: ${image.status} ${image.text}`);
  return new Map([[id, '<busybox>'], [id.slice(0, 12), '<busybox:short>']]);
}

export async function startEngines(): Promise<Engines> {
  const hostDir = mkdtempSync(join(tmpdir(), 'sockerless-diff-bind-'));
  writeFileSync(join(hostDir, 'hello.txt'), 'hello from the host\n');
  const [oursStart, dockerStart] = await Promise.allSettled([startE2E(), startPrivateDockerd()]);
  const ours: E2E | undefined = oursStart.status === 'fulfilled' ? oursStart.value : undefined;
  const dockerd: PrivateDockerd | undefined = dockerStart.status === 'fulfilled' ? dockerStart.value : undefined;
  const registryDir = mkdtempSync(join(tmpdir(), 'sockerless-diff-registries-'));
  const registries: TestRegistry[] = [];
  const dispose = async () => {
    await Promise.allSettled(registries.map((r) => r.stop()));
    await Promise.allSettled([ours?.dispose(), dockerd?.dispose()]);
    rmSync(hostDir, { recursive: true, force: true });
    rmSync(registryDir, { recursive: true, force: true });
  };
  try {
    if (oursStart.status === 'rejected') throw oursStart.reason;
    if (dockerStart.status === 'rejected') throw dockerStart.reason;
    registries.push(...await startRegistryPairs(registryDir, dockerd!.pid));
    // The tarball startE2E built and imported into ours (reused, not rebuilt), with the same changes: the same image for dockerd.
    const tar = await buildBusyboxRootfsTar(join(ours!.daemon.dir, 'rootfs-build'));
    const imported = await docker(dockerd!.dockerHost, dockerd!.dir, ['import', ...BUSYBOX_IMPORT_CHANGES, tar, BUSYBOX]);
    if (imported.code !== 0) throw new Error(`docker import into dockerd failed: ${imported.stderr}\n${dockerd!.logTail()}`);
    const vars = { hostDir, registry: registries[0].host, lockedRegistry: registries[2].host };
    return {
      docker: { label: 'docker', socket: dockerd!.socket, dockerHost: dockerd!.dockerHost, cliDir: dockerd!.dir, known: await imageKnownValues(dockerd!.socket), vars },
      ours: { label: 'ours', socket: ours!.daemon.socket, dockerHost: ours!.daemon.dockerHost, cliDir: ours!.daemon.dir, known: await imageKnownValues(ours!.daemon.socket), vars },
      dispose,
    };
  } catch (err) {
    await dispose();
    throw err;
  }
}

/**
 * Two registries for each engine at the same `127.0.0.1:PORT` (an open one and one with htpasswd auth):
 * ours on the host, dockerd's in its network namespace, each with its own storage, so that the same names
 * in the scenarios reach a registry only that engine writes to.
 */
async function startRegistryPairs(dir: string, dockerdPid: number): Promise<TestRegistry[]> {
  const started: TestRegistry[] = [];
  try {
    for (const [name, auth] of [['open', undefined], ['locked', REGISTRY_USER]] as const) {
      const port = await freePort();
      started.push(await startRegistry(join(dir, `registry-${name}-ours`), { port, auth }));
      started.push(await startRegistry(join(dir, `registry-${name}-docker`), { port, auth, netnsOf: dockerdPid }));
    }
    return started;
  } catch (err) {
    await Promise.allSettled(started.map((r) => r.stop()));
    throw err;
  }
}

const brief = (a: Answer | undefined) => (a ? `${a.status} ${a.text.trim().replace(/\s+/g, ' ').slice(0, 100)}` : '');

function traceLines(scenario: Scenario, docker: (Answer | undefined)[], ours: (Answer | undefined)[]): string[] {
  return scenario.steps.map((step, i) => `${scenario.name} › ${stepName(step)}: ${brief(docker[i])} | ${brief(ours[i])}`);
}

/** Scenario by scenario, both engines at once (they share nothing), each cleaned up before the next. */
export async function runSuite(scenarios: Scenario[], engines: Engines): Promise<SuiteResult> {
  const began = Date.now();
  const result: SuiteResult = { same: 0, differences: [], sweepProblems: [], seconds: 0, timings: [], trace: [] };
  const verbose = process.env.SOCKERLESS_DIFFERENTIAL_VERBOSE === '1';
  for (const scenario of scenarios) {
    const scenarioBegan = Date.now();
    const [d, o] = await Promise.all([runScenario(engines.docker, scenario), runScenario(engines.ours, scenario)]);
    result.timings.push({ scenario: scenario.name, seconds: (Date.now() - scenarioBegan) / 1000 });
    if (verbose) result.trace.push(...traceLines(scenario, d.answers, o.answers));
    const compared = compareScenario(scenario, d, o);
    result.same += compared.same;
    result.differences.push(...compared.differences);
    const problems = await Promise.all([sweep(engines.docker, BUSYBOX), sweep(engines.ours, BUSYBOX)]);
    result.sweepProblems.push(...problems.flat().map((p) => `after "${scenario.name}": ${p}`));
  }
  result.seconds = (Date.now() - began) / 1000;
  return result;
}
