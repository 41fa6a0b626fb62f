import type { Readable } from 'node:stream';
import type { StateStore } from './store';
import type { ContainerDefaults } from '../images/image-config';
import type { ImageReference } from '../images/reference';
import type { ImageStore, ProgressWriter } from './images';

/** The output streams of a RUN step's container. */
export type BuildStreamName = 'stdout' | 'stderr';

/** A RUN step: the core runs it as a container of its own engine (create, start, wait, layer, remove). */
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

/** `POST /build`'s options, parsed from the query by the core's route. */
export interface BuildOptions {
  tags: ImageReference[];
  buildArgs: Map<string, string | null>;
  labels: Record<string, string>;
  target?: string;
  noCache: boolean;
  /** Accepted; steps are found in the local cache only (see docs/build.md). */
  cacheFrom: string[];
  extraHosts: string[];
  networkMode: string;
  shmSize: number;
  quiet: boolean;
  rm: boolean;
  forceRm: boolean;
  platform?: string;
  pull: boolean;
  /** Whether the client went away: dockerd cancels the build then, so no further step starts. */
  isCancelled?: () => boolean;
}

/** A received build context (the request body, unpacked); the route disposes of it after answering. */
export interface ReceivedBuildContext {
  dispose(): Promise<void>;
}

/** `POST /build/prune`'s options. */
export interface BuildCachePruneOptions {
  all: boolean;
  keepStorage: number;
  filters: Map<string, string[]>;
}

/** Docker's `BuildCache` item (v1.56 definition BuildCache), as `GET /system/df` lists it. */
export interface BuildCacheJson {
  ID: string;
  Parent: string;
  Parents: string[];
  Type: string;
  Description: string;
  InUse: boolean;
  Shared: boolean;
  Size: number;
  CreatedAt: string;
  LastUsedAt: string;
  UsageCount: number;
}

/**
 * `docker build` (dockerd's builder/dockerfile, the classic builder) and its step cache. The core keeps the
 * `/build` routes (query parsing, the progress stream) and system df; one plugin provides this through
 * `coreBuilderExtensionPoint` (the default is `builder`).
 */
export interface Builder {
  /** Boot: loads the step cache. */
  load(): Promise<void>;
  /** Reads the request body (a tar, maybe compressed) and finds the Dockerfile; errors here are HTTP errors. */
  receiveContext(body: AsyncIterable<Buffer>, dockerfile?: string): Promise<ReceivedBuildContext>;
  /**
   * Runs the build and answers the image id. Errors before the first progress line are thrown before `write`
   * is called; a failed step throws a `BuildStepError` after progress was written.
   */
  build(context: ReceivedBuildContext, opts: BuildOptions, write: ProgressWriter): Promise<string>;
  prune(opts: BuildCachePruneOptions): Promise<{ CachesDeleted: string[]; SpaceReclaimed: number }>;
  /** The cached steps as `GET /system/df`'s `BuildCache` lists them. */
  usage(): BuildCacheJson[];
  /** Writes the cache's use counts, which builds only count in memory. */
  flushUsage(): Promise<void>;
}

/** What the core hands the builder when it creates it, once the image store and the engine are there. */
export interface BuilderContext {
  /** The daemon's home; a build unpacks its context and downloads under `home/build`. */
  home: string;
  /** The durable state; the builder keeps its step cache under kind `build-cache`. */
  store: StateStore;
  images: ImageStore;
  runStep(req: RunStepRequest): Promise<RunStepResult>;
  /** Whether some backend can read a container's layer; where none can, a Dockerfile with RUN is a 501. */
  runSupported(): boolean;
  /** The containers made from an image (a cached step's image is shared while one uses it). */
  containersUsingImage(imageId: string): string[];
}

/** Cardinality one: the core creates the configured builder's instance once the engine is ready. */
export interface BuilderRegistry {
  setBuilder(create: (ctx: BuilderContext) => Builder): void;
}

/** A step that failed: dockerd puts `code` (a RUN's exit code) in the stream's errorDetail. */
export class BuildStepError extends Error {
  constructor(message: string, readonly code?: number) {
    super(message);
  }
}
