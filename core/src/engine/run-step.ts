import { NotImplementedError, type RunStepRequest, type RunStepResult } from '@sockerless/sdk';
import type { ContainerEngine } from './container-engine';
import type { RunController } from './container-runs';

/**
 * A RUN step as dockerd's builder runs it: a container of the daemon's own engine (so it is created, started,
 * dies and is destroyed with the events dockerd emits), on the build's network mode, with the image's
 * entrypoint reset and its healthcheck off; its output goes to the build stream, its exit code decides.
 * The builder plugin calls it through `BuilderContext.runStep`.
 */
export async function runStepContainer(engine: ContainerEngine, runs: RunController, req: RunStepRequest): Promise<RunStepResult> {
  const { Id } = await engine.create({
    Image: req.imageId,
    Cmd: req.cmd,
    Entrypoint: [''],
    Env: req.env,
    WorkingDir: req.config.WorkingDir ?? '',
    User: req.config.User ?? '',
    Labels: req.config.Labels ?? {},
    Healthcheck: { Test: ['NONE'] },
    AttachStdout: true,
    AttachStderr: true,
    HostConfig: {
      NetworkMode: req.networkMode || 'default',
      ...(req.extraHosts.length ? { ExtraHosts: req.extraHosts } : {}),
      ...(req.shmSize > 0 ? { ShmSize: req.shmSize } : {}),
    },
  } as Parameters<ContainerEngine['create']>[0], undefined);
  const remove = () => runs.remove(Id, { force: true, removeVolumes: true });
  try {
    const c = engine.find(Id);
    const driver = engine.backendOf(c).powers.layer;
    if (!driver) throw new NotImplementedError(`docker build is not supported by backend '${c.backend}': it cannot read a container's filesystem layer`);
    req.onStarted(Id);
    const detach = engine.ioOf(Id).addSink({ write: (stream, data) => req.onOutput(stream, data), end: () => undefined });
    const exited = runs.wait(Id, 'next-exit');
    try {
      await runs.start(Id);
      const { StatusCode } = await exited;
      return { containerId: Id, exitCode: StatusCode, layer: () => driver.layerDiff(Id), remove };
    } finally {
      detach();
    }
  } catch (err) {
    await remove().catch(() => undefined);
    throw err;
  }
}
