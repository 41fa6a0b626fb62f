import type { Readable } from 'node:stream';
import type { StateStore } from './store';
import type { ImageReference } from '../images/reference';
import type { ImageStore, ProgressWriter } from './images';
import type { DockerApiRoutes } from '../api/router';

/** The output streams of a RUN step's container. */
export type BuildStreamName = 'stdout' | 'stderr';

/** The part of Docker's ContainerCreate body that a RUN step's container sets. */
export interface StepContainerConfig {
  Image: string;
  Cmd: string[];
  Entrypoint: string[];
  Env: string[];
  WorkingDir: string;
  User: string;
  Labels: Record<string, string>;
  Healthcheck: { Test: string[] };
  AttachStdout: boolean;
  AttachStderr: boolean;
  HostConfig: { NetworkMode: string; ExtraHosts?: string[]; ShmSize?: number };
}

/**
 * The core's containers, as the builder runs a RUN step in one (dockerd's builder uses its daemon's
 * containers the same way): created, run to their exit and removed with the events dockerd emits.
 */
export interface ContainerRunner {
  /** `POST /containers/create` on the daemon's own engine; answers the id. */
  create(config: StepContainerConfig): Promise<string>;
  /** How to read the container's writable layer as a tar; a NotImplementedError where its backend cannot. */
  layerReader(containerId: string): () => Promise<Readable>;
  /** Starts it with its stdout and stderr going to `onOutput`, and answers its exit code once it exits. */
  run(containerId: string, onOutput: (stream: BuildStreamName, data: Buffer) => void): Promise<number>;
  /** `docker rm -fv`: stops it if need be and removes it with its anonymous volumes. */
  remove(containerId: string): Promise<void>;
}

/** `POST /build`'s options, parsed from the query by the builder's route. */
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
 * `docker build` (dockerd's builder/dockerfile, the classic builder) and its step cache, with the `/build`
 * routes (`registerRoutes`: query parsing, the progress stream). The core keeps system df, and answers Docker's
 * 501 for `/build` when no builder is configured; one plugin provides this through `coreBuilderExtensionPoint`
 * (the default is `builder`).
 */
export interface Builder extends DockerApiRoutes {
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
  /** The core's containers, for RUN steps. */
  containers: ContainerRunner;
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
