import { BuildStepError, InvalidArgumentError, type BuildOptions } from '@sockerless/sdk';
import { hostPlatform, type ContainerDefaults, type ImageConfig } from '@sockerless/sdk/images';
import type { ImageStore as ImageService } from '@sockerless/sdk';
import type { ProgressWriter } from '@sockerless/sdk/images';
import { BuildCache } from './build-cache';
import type { BuildContext } from './build-context';
import type { StageState } from './build-state';
import type { RunStepRequest, RunStepResult } from './run-step';

export interface BuildRequest extends BuildOptions {
  context: BuildContext;
  /** Whether a backend can run RUN steps (read a container's layer); false makes a RUN Dockerfile a 501. */
  runSupported?: boolean;
}

export interface BuildDeps {
  images: ImageService;
  cache: BuildCache;
  runStep(req: RunStepRequest): Promise<RunStepResult>;
  /** Where a build unpacks what it needs on disk (ADD's downloads and archives). */
  workRoot: string;
}

export { BuildStepError };

export const shortImageId = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);

/** What one build writes to its client and how it commits steps; shared by the step dispatchers. */
export class BuildSession {
  readonly held: (() => void)[] = [];

  constructor(readonly deps: BuildDeps, readonly req: BuildRequest, private readonly write: ProgressWriter) {}

  /** A line of the `{"stream": ...}` progress, which `q` silences. */
  say(text: string): void {
    if (!this.req.quiet) this.write({ stream: text });
  }

  aux(imageId: string): void {
    if (!this.req.quiet) this.write({ aux: { ID: imageId } });
  }

  raw(msg: Record<string, unknown>): void {
    if (!this.req.quiet) this.write(msg);
  }

  /** The cached result of a step, printed as dockerd prints a hit, or undefined (a miss, or nocache). */
  async fromCache(state: StageState, key: string): Promise<string | undefined> {
    if (this.req.noCache) return undefined;
    const hit = await this.deps.cache.lookup(key);
    if (!hit) return undefined;
    this.say(' ---> Using cache\n');
    this.adopt(state, hit);
    this.say(` ---> ${shortImageId(hit)}\n`);
    return hit;
  }

  /** Moves the stage onto `imageId` (a committed or cached step, or a FROM). */
  adopt(state: StageState, imageId: string): void {
    const rec = this.deps.images.resolve(imageId).record;
    state.imageId = rec.id;
    state.image = rec.config;
    state.config = structuredClone(rec.config.config ?? {});
    this.held.push(this.deps.cache.hold(rec.id));
  }

  /**
   * Commits a step as dockerd's builder commits it: the new image on the stage's layers (plus `layer`), its
   * config the stage's run config, its history the parent's plus this step's line, its parent the stage's
   * image; then remembers it under `key` for the next build.
   */
  async commit(state: StageState, step: {
    key: string; createdBy: string; containerCmd: string[]; containerId: string; layer?: { diffId: string; size: number }; author?: string;
  }): Promise<string> {
    const created = new Date().toISOString();
    const platform = hostPlatform();
    const config = cleanConfig(state.config);
    const image: ImageConfig = {
      architecture: state.image.architecture ?? platform.architecture,
      ...(state.image.variant ? { variant: state.image.variant } : {}),
      os: state.image.os ?? platform.os,
      created,
      ...(step.author ?? state.image.author ? { author: step.author ?? state.image.author } : {}),
      config,
      container: step.containerId,
      container_config: { ...config, Hostname: step.containerId.slice(0, 12), Cmd: step.containerCmd, Image: state.imageId },
      history: [...(state.image.history ?? []), { created, created_by: step.createdBy, ...(step.layer ? {} : { empty_layer: true }) }],
      rootfs: { type: 'layers', diff_ids: [...(state.image.rootfs?.diff_ids ?? []), ...(step.layer ? [step.layer.diffId] : [])] },
    };
    const { record } = await this.deps.images.addImage(Buffer.from(JSON.stringify(image)), [], [], state.imageId || undefined);
    await this.deps.cache.remember(step.key, { imageId: record.id, parent: state.imageId, description: step.createdBy, size: step.layer?.size ?? 0 });
    this.adopt(state, record.id);
    return record.id;
  }

  release(): void {
    for (const done of this.held.splice(0)) done();
  }
}

/** The cache key of a step: the parent image and what the step is (dockerd's probe compares the same). */
export function stepKey(state: StageState, probe: unknown): string {
  return BuildCache.keyOf(state.imageId, { config: cleanConfig(state.config), probe });
}

/** The run config without empty lists and maps, as an image config carries it. */
export function cleanConfig(c: ContainerDefaults): ContainerDefaults {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v) && v.length === 0 && k !== 'Cmd') continue;
    if (typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0) continue;
    out[k] = v;
  }
  return out as ContainerDefaults;
}

export function assertPlatform(platform: string | undefined): void {
  if (!platform) return;
  const host = hostPlatform();
  const [os, arch] = platform.toLowerCase().split('/');
  if (os !== host.os || (arch && arch !== host.architecture)) {
    throw new InvalidArgumentError(`"${platform}" is not supported here: this daemon builds for ${host.os}/${host.architecture} only`);
  }
}
