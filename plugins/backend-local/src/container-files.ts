import {
  getContainerArchive, putContainerArchive, statContainerPath, type FilesystemChange, type PathStat, type WorkloadSpec,
} from '@sockerless/sdk';
import type { Readable } from 'node:stream';
import { containerFiles, type ContainerFs } from './archive';
import { containerLayer, exportTree, isDaemonFile, layerChanges, layerTar, type ContainerLayer } from './layer-diff';
import { copyDir, treeSize, upperDir } from './rootfs';
import type { ContainerSecurity } from './security';
import type { StartCache } from './start-cache';
import { exists } from './util';

export interface ContainerFilesDeps {
  specOf(id: string): Promise<WorkloadSpec>;
  stateDirOf(id: string): string;
  sandboxed(spec: WorkloadSpec): boolean;
  /** The container's root on the host: its (re)mounted overlay, or the host's own root in host mode. */
  rootOf(spec: WorkloadSpec): Promise<string>;
  security: ContainerSecurity;
  startCache: StartCache;
}

/**
 * A container's files as the API reaches them from the host, running or not: `docker cp` (archive.ts), and
 * `docker diff`, `export` and `commit` over its writable layer (layer-diff.ts), with owners shifted back and forth
 * when the daemon remaps user namespaces.
 */
export class ContainerFiles {
  constructor(private readonly d: ContainerFilesDeps) {}

  private async fsOf(id: string): Promise<ContainerFs> {
    const spec = await this.d.specOf(id);
    const sandboxed = this.d.sandboxed(spec);
    const userns = sandboxed && this.d.security.userns?.applies(spec) ? this.d.security.userns : undefined;
    return { root: await this.d.rootOf(spec), mounts: sandboxed ? spec.mounts : [], name: spec.name, ids: userns && { uid: userns.map.uid, gid: userns.map.gid } };
  }

  async stat(id: string, path: string): Promise<PathStat> {
    return statContainerPath(containerFiles(await this.fsOf(id)), path);
  }

  async get(id: string, path: string): Promise<{ stat: PathStat; tar: Readable }> {
    return getContainerArchive(containerFiles(await this.fsOf(id)), path);
  }

  async put(id: string, path: string, tar: Readable, opts: { noOverwriteDirNonDir: boolean }): Promise<void> {
    this.d.startCache.touched(this.d.stateDirOf(id));
    return putContainerArchive(containerFiles(await this.fsOf(id)), path, tar, opts);
  }

  /** Bytes written by the container on top of its image (Docker's SizeRw); not the files the daemon writes, as in `changes`. */
  async diskUsage(id: string): Promise<number> {
    const stateDir = this.d.stateDirOf(id);
    if (await exists(copyDir(stateDir))) return treeSize(copyDir(stateDir));
    return treeSize(upperDir(stateDir), isDaemonFile);
  }

  async changes(id: string): Promise<FilesystemChange[]> { return layerChanges(await this.layerOf(id)); }
  async export(id: string): Promise<Readable> { return exportTree(await this.layerOf(id)); }
  async layerDiff(id: string): Promise<Readable> { return layerTar(await this.layerOf(id)); }
  private async layerOf(id: string): Promise<ContainerLayer> { return containerLayer(await this.d.specOf(id), await this.fsOf(id)); }
}
