import type { Readable } from 'node:stream';
import type { BuildStreamName, ContainerRunner } from '@sockerless/sdk';
import type { ContainerDefaults } from '@sockerless/sdk/images';

/** A RUN step to run as a container of the daemon's engine. */
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
  onOutput(stream: BuildStreamName, data: Buffer): void;
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
export async function runStepContainer(containers: ContainerRunner, req: RunStepRequest): Promise<RunStepResult> {
  const id = await containers.create({
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
  });
  const remove = () => containers.remove(id);
  try {
    // Before the start: a backend that cannot read the layer fails the step (501) without running it.
    const layer = containers.layerReader(id);
    req.onStarted(id);
    const exitCode = await containers.run(id, req.onOutput);
    return { containerId: id, exitCode, layer, remove };
  } catch (err) {
    await remove().catch(() => undefined);
    throw err;
  }
}
