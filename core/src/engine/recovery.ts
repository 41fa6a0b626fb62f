import { NotFoundError, POOL_LABEL, type Logger, type ManagedWorkload, type WorkloadIdentity, type WorkloadProcess } from '@sockerless/sdk';
import { DEFAULT_POOL, type ContainerEngine } from './container-engine';
import type { ContainerConfig, ContainerRecord, ContainerState } from './container-record';
import type { RunController } from './container-runs';
import type { ImageConfigView } from './create-spec';
import { randomName, validateContainerName } from './ids';
import { NEVER, transition } from './lifecycle/container-state';
import { classifyUnrecorded, removeLeftovers, removeUnrecordedLogDirs } from './recovery-leftovers';

type RunAdopter = Pick<RunController, 'adoptRun' | 'recordLost' | 'isRunning'>;

/**
 * Boot is recovery (DESIGN.md, crash-only): 1. a container recorded as running whose backend can `reattach`
 * (a cloud task that lives on without us) gets its process back, with the output since our last stored line;
 * otherwise it is killed and recorded as exited 137 'daemon restarted'. 2. A workload listed by a backend with
 * its container's identity (tags) but no record (a new home, a lost store) is rebuilt, so `docker ps -a` shows
 * it, and taken back as in 1 when it runs. 3. What a crash left half-made or half-removed is removed, with the
 * log dirs of containers with no record (recovery-leftovers.ts).
 */
export async function recoverContainers(engine: ContainerEngine, runs: RunAdopter, logger: Logger): Promise<void> {
  const listed = await listAll(engine, logger);
  // Containers apart, all at once: a thousand running ones are a thousand backend round trips.
  await Promise.all(engine.all().filter((c) => c.state.Running || c.state.Status === 'restarting').map(async (c) => {
    // A restarting container had no process: there is nothing to take back.
    if ((c.state.Status === 'running' || c.state.Status === 'paused') && await reattach(engine, runs, c, logger)) return;
    await runs.recordLost(c);
  }));
  const rebuilt: string[] = [];
  const leftovers: Array<{ instance: string; id: string }> = [];
  for (const [instance, workloads] of listed) {
    for (const w of workloads) {
      if (engine.containers.get(w.id)) continue;
      const found = await classifyUnrecorded(w);
      if (found.kind === 'leftover') leftovers.push({ instance, id: w.id });
      if (found.kind === 'unreadable') logger.warn('could not read what a backend holds for a container with no record; kept', { backend: instance, id: w.id, err: found.err });
      if (found.kind !== 'identified') continue;
      await adopt(engine, runs, instance, w.id, found.identity, w.running, logger).then(() => rebuilt.push(w.id), (err: Error) => {
        logger.warn('could not rebuild a container from its backend\'s tags', { backend: instance, id: w.id, err: err.message });
      });
    }
  }
  await killUnrecorded(engine, runs, listed, logger);
  await removeLeftovers(engine, leftovers, logger);
  if (listed.size === engine.deps.backends.size) await removeUnrecordedLogDirs(engine, logger);
  // Never boot short of a container in silence: a store that lost records (torn, deleted) is said once, in full.
  if (rebuilt.length > 0) {
    logger.error('containers the backends hold had no record in the state database; rebuilt from what the backends keep', { count: rebuilt.length, ids: rebuilt });
  }
}

/** No workload outlives its record: one a backend runs that the store does not know as running (a start cut short) is killed. */
async function killUnrecorded(engine: ContainerEngine, runs: RunAdopter, listed: Map<string, ManagedWorkload[]>, logger: Logger): Promise<void> {
  const killed: string[] = [];
  await Promise.all([...listed].flatMap(([instance, workloads]) => workloads.filter((w) => w.running && !runs.isRunning(w.id)).map(async (w) => {
    await engine.deps.backends.get(instance)?.signal(w.id, 'SIGKILL').then(() => killed.push(w.id), (err: Error) => {
      // Gone meanwhile (killed as a lost run just before): nothing left to kill.
      if (err instanceof NotFoundError) return;
      logger.warn('could not kill a workload that runs without a record saying so', { backend: instance, id: w.id, err: err.message });
    });
  })));
  if (killed.length > 0) logger.warn('killed workloads that ran without a record saying so (a start cut short by a daemon kill)', { count: killed.length, ids: killed });
}

/** Every instance's list, in parallel; an instance that cannot answer is logged and skipped. */
async function listAll(engine: ContainerEngine, logger: Logger): Promise<Map<string, ManagedWorkload[]>> {
  const out = new Map<string, ManagedWorkload[]>();
  await Promise.all([...engine.deps.backends.values()].map(async (b) => {
    try {
      out.set(b.name, await b.list());
    } catch (err) {
      logger.warn('backend could not list its workloads at boot; none adopted from it', { backend: b.name, err: (err as Error).message });
    }
  }));
  return out;
}

/** True when the backend gave the process back and it is now a run of this daemon. */
async function reattach(engine: ContainerEngine, runs: RunAdopter, c: ContainerRecord, logger: Logger): Promise<boolean> {
  const backend = engine.deps.backends.get(c.backend);
  const driver = backend?.powers.reattach;
  if (!driver) return false;
  const logsSince = await engine.ioOf(c.id).log.lastEntryTime() ?? timeOrUndefined(c.state.StartedAt);
  let proc: WorkloadProcess | undefined;
  try {
    proc = await driver.reattach(c.id, { logsSince });
  } catch (err) {
    logger.warn('backend could not reattach a running container', { id: c.id, backend: c.backend, err: (err as Error).message });
    return false;
  }
  if (!proc) return false;
  // The backend's freezer is the truth: a daemon killed between a pause and its record may have left them apart.
  const pause = backend!.powers.pause;
  if (pause?.isPaused) c.state = { ...c.state, Paused: await pause.isPaused(c.id).catch(() => c.state.Paused) };
  await runs.adoptRun(c, proc);
  logger.info('container reattached', { id: c.id, backend: c.backend, logsSince: logsSince?.toISOString() });
  return true;
}

async function adopt(engine: ContainerEngine, runs: RunAdopter, instance: string, id: string, identity: WorkloadIdentity, running: boolean, logger: Logger): Promise<void> {
  const record = recordFromIdentity(engine, instance, id, identity, running, logger);
  await engine.addRecovered(record);
  logger.info('container rebuilt from its backend\'s tags', { id, name: record.name, backend: instance, status: record.state.Status });
  if (!running) return;
  if (await reattach(engine, runs, record, logger)) return;
  await runs.recordLost(record);
}

/** A container record as the tags describe it; what tags never carry (env, mounts, host config) is empty. */
function recordFromIdentity(engine: ContainerEngine, instance: string, id: string, identity: WorkloadIdentity, running: boolean, logger: Logger): ContainerRecord {
  const name = freeName(engine, identity.name, id, logger);
  const image = lookupImage(engine, identity.image);
  const pool = identity.pool ?? identity.labels[POOL_LABEL] ?? DEFAULT_POOL;
  const argv = identity.argv ?? [...(image?.config.Entrypoint ?? []), ...(image?.config.Cmd ?? [])];
  const config: ContainerConfig = {
    Hostname: identity.hostname ?? id.slice(0, 12), Domainname: '', User: identity.user ?? image?.config.User ?? '',
    AttachStdin: false, AttachStdout: false, AttachStderr: false, Tty: identity.tty ?? false, OpenStdin: identity.openStdin ?? false, StdinOnce: false,
    Env: identity.env ?? image?.config.Env ?? [], Cmd: argv.length ? argv : null, Image: identity.image, Volumes: null,
    WorkingDir: identity.workingDir ?? image?.config.WorkingDir ?? '', Entrypoint: null, OnBuild: null,
    Labels: { ...identity.labels, [POOL_LABEL]: pool },
  };
  return {
    id, name, created: identity.created, image: identity.image, imageId: image?.id ?? '',
    path: argv[0] ?? '', args: argv.slice(1), config, hostConfig: {}, mounts: [], networks: {},
    state: stateFromIdentity(identity, running), restartCount: 0, backend: instance, pool,
  };
}

function stateFromIdentity(identity: WorkloadIdentity, running: boolean): ContainerState {
  const base: ContainerState = { ...transition.created(), StartedAt: identity.startedAt ?? NEVER, FinishedAt: identity.finishedAt ?? NEVER };
  if (running) return { ...base, Status: 'running', Running: true, StartedAt: identity.startedAt ?? identity.created, FinishedAt: NEVER };
  if (identity.exitCode !== undefined || identity.finishedAt !== undefined) return { ...base, Status: 'exited', ExitCode: identity.exitCode ?? 137 };
  return base;
}

/** The tagged name when it is valid and free; otherwise a generated one, with a warning that says why. */
function freeName(engine: ContainerEngine, wanted: string, id: string, logger: Logger): string {
  let name: string | undefined;
  try { name = validateContainerName(wanted); } catch { /* not a valid name: a generated one follows */ }
  if (name && !engine.nameTaken(name)) return name;
  const generated = randomName((n) => engine.nameTaken(n));
  logger.warn(name ? 'the name of a rebuilt container is taken; it gets a generated one' : 'a rebuilt container has no valid name; it gets a generated one',
    { id, wanted, name: generated.slice(1) });
  return generated;
}

function lookupImage(engine: ContainerEngine, ref: string): { id: string; config: ImageConfigView } | undefined {
  try {
    const image = engine.deps.images.resolve(ref);
    return { id: image.id, config: image.record.config.config ?? {} };
  } catch {
    // The image is in the cloud's registry, not here: the record keeps its reference only.
    return undefined;
  }
}

function timeOrUndefined(iso: string): Date | undefined {
  const t = Date.parse(iso);
  return Number.isFinite(t) && t > 0 ? new Date(t) : undefined;
}
