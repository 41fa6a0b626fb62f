import type { Readable } from 'node:stream';
import { NotImplementedError } from '@sockerless/sdk';
import type { ContainerEngine } from '../container-engine';
import type { RunController } from '../container-runs';
import type { StreamName } from '../log-store';
import type { ContainerDefaults } from '@sockerless/sdk/images';

export interface RunStepRequest {
  imageId: string;
  /** The process: shell form already wrapped in the SHELL, exec form as written. */
  cmd: string[];
  /** The run config's env plus the build args in scope (dockerd's RUN environment). */
  env: string[];
  config: ContainerDefaults;
  networkMode: string;
  extraHosts: string[];
  shmSize: number;
  onStarted(containerId: string): void;
  onOutput(stream: StreamName, data: Buffer): void;
}

export interface RunStepResult {
  containerId: string;
  exitCode: number;
  /** The container's writable layer as a tar (the backend's layerDiff). */
  layer(): Promise<Readable>;
  remove(): Promise<void>;
}

/**
 * A RUN step as dockerd's builder runs it: a container of the daemon's own engine (so it is created, started,
 * dies and is destroyed with the events dockerd emits), on the build's network mode, with the image's
 * entrypoint reset and its healthcheck off; its output goes to the build stream, its exit code decides.
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
