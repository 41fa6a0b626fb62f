import type { Readable } from 'node:stream';
import { ConflictError, InvalidArgumentError, POOL_LABEL, type CommitRequest, type CommittedContainerConfig as ContainerConfig } from '@sockerless/sdk';
import { applyChanges, hostPlatform, type ContainerDefaults, type ImageConfig } from '@sockerless/sdk/images';
import type { ImageService } from './image-service';
import { familiarString, referenceWithTag, withDefaultTag } from '@sockerless/sdk/images';

/**
 * `docker commit`: the container's writable layer on top of its image's layers, with the container's config
 * under the request's and the `changes` applied, as dockerd's CreateImageFromContainer and its merge().
 */
export async function commitContainer(images: ImageService, req: CommitRequest): Promise<string> {
  const ref = req.repo ? withDefaultTag(referenceWithTag(req.repo, req.tag)) : undefined;
  if (ref?.digest) throw new InvalidArgumentError('refusing to create a tag with a digest reference');
  const config = mergeContainerConfig(applyChanges(req.bodyConfig, req.changes), req.containerConfig);
  let parent: ImageConfig;
  try {
    parent = images.resolve(req.parentId).record.config;
  } catch {
    throw new ConflictError(`cannot commit container ${req.containerId}: its image ${req.parentId} is gone`);
  }
  const layer = await images.blobs.ingestLayer(await req.layer());
  const created = new Date().toISOString();
  const platform = hostPlatform();
  const image: ImageConfig = {
    architecture: parent.architecture ?? platform.architecture,
    ...(parent.variant ? { variant: parent.variant } : {}),
    os: parent.os ?? platform.os,
    created,
    ...(req.author ? { author: req.author } : {}),
    ...(req.comment ? { comment: req.comment } : {}),
    config,
    container: req.containerId,
    container_config: withoutPoolLabel(req.containerConfig),
    history: [...(parent.history ?? []), {
      created, ...(req.author ? { author: req.author } : {}),
      created_by: [...(req.containerConfig.Entrypoint ?? []), ...(req.containerConfig.Cmd ?? [])].join(' '),
      ...(req.comment ? { comment: req.comment } : {}),
    }],
    rootfs: { type: 'layers', diff_ids: [...(parent.rootfs?.diff_ids ?? []), layer.diffId] },
  };
  const { record } = await images.addImage(Buffer.from(JSON.stringify(image)), ref ? [ref] : [], []);
  if (ref) images.emit('tag', record.id, familiarString(ref), record);
  return record.id;
}

/** The pool label is this daemon's routing, not the container's: an image made from it does not carry it. */
function withoutPoolLabel<T extends { Labels?: Record<string, string> | null }>(c: T): T {
  if (!c.Labels || !(POOL_LABEL in c.Labels)) return c;
  const { [POOL_LABEL]: _pool, ...labels } = c.Labels;
  return { ...c, Labels: labels };
}

/** dockerd's merge(userConf, imageConf): what the request leaves empty comes from the container's config. */
function mergeContainerConfig(user: ContainerDefaults, container: ContainerConfig): ContainerDefaults {
  const from = withoutPoolLabel(container);
  const out: ContainerDefaults = { ...user };
  if (!out.User) out.User = from.User || undefined;
  const env = new Map((from.Env ?? []).map((kv) => [kv.split('=')[0], kv] as const));
  for (const kv of out.Env ?? []) env.set(kv.split('=')[0], kv);
  if (env.size) out.Env = [...env.values()];
  if (!out.Entrypoint?.length && !out.Cmd?.length) {
    if (from.Cmd?.length) out.Cmd = from.Cmd;
    if (from.Entrypoint?.length) out.Entrypoint = from.Entrypoint;
  }
  const ports = { ...(from.ExposedPorts ?? {}), ...(out.ExposedPorts ?? {}) } as ContainerDefaults['ExposedPorts'];
  if (Object.keys(ports ?? {}).length) out.ExposedPorts = ports;
  const volumes = { ...(from.Volumes ?? {}), ...(out.Volumes ?? {}) } as ContainerDefaults['Volumes'];
  if (Object.keys(volumes ?? {}).length) out.Volumes = volumes;
  if (!out.WorkingDir && from.WorkingDir) out.WorkingDir = from.WorkingDir;
  const labels = { ...(from.Labels ?? {}), ...(out.Labels ?? {}) };
  if (Object.keys(labels).length) out.Labels = labels;
  if (!out.StopSignal && from.StopSignal) out.StopSignal = from.StopSignal;
  if (!out.Healthcheck && from.Healthcheck) out.Healthcheck = from.Healthcheck as ContainerDefaults['Healthcheck'];
  return out;
}
