import type { Readable } from 'node:stream';
import type { StoredRecord } from './records';
import type { StateStore } from './store';
import type { EventsBus, ImageStoreService, ImageSummary, Logger } from '../services';
import type { ContainerDefaults, ImageConfig } from '../images/image-config';
import type { ImageReference } from '../images/reference';
import type { RegistryCredentials } from '../images/registry-auth';
import type { DockerApiRoutes } from '../api/router';

/**
 * The image store, as dockerd has one behind its image service (daemon/images): records, layer blobs,
 * unpacked root filesystems, the registry client and the archive formats, with its `/images`, `/auth` and
 * `/distribution` routes (`registerRoutes`, as dockerd's image router). The core calls only this contract; one
 * plugin provides it through `coreImageStoreExtensionPoint` (the default is `image-store`).
 */
export interface ImageStore extends ImageStoreService, DockerApiRoutes {
  /** Boot: loads the records and makes sure every image's rootfs is there. */
  load(): Promise<void>;
  /** NotFound for a reference no image answers to. */
  resolve(ref: string): StoredImage;
  /** Whether `ref` names image `imageId` (the `ancestor` container filter). */
  matches(ref: string, imageId: string): boolean;
  /** The unpacked root filesystem, or undefined for an image without layers. */
  rootfsPath(imageId: string): string | undefined;
  /** Unpacks the rootfs once (concurrent callers wait for the same unpack) and answers its path. */
  ensureRootfs(imageId: string): Promise<string | undefined>;
  list(opts?: { filters?: Map<string, string[]>; all?: boolean }): ImageSummaryJson[];
  inspect(ref: string): Record<string, unknown>;
  history(ref: string): HistoryItemJson[];
  /** Errors before the first progress line are thrown before `progress` is called, so routes can answer them. */
  pull(req: { fromImage: string; tag?: string; platform?: string; credentials?: RegistryCredentials }, progress: ProgressWriter): Promise<string>;
  push(req: { name: string; tag?: string; credentials?: RegistryCredentials }, progress: ProgressWriter): Promise<void>;
  importRootfs(source: AsyncIterable<Buffer> | Readable, opts?: ImportOptions): Promise<ImageRecord>;
  loadArchive(source: AsyncIterable<Buffer>, write: ProgressWriter): Promise<ImageRecord[]>;
  saveArchive(names: string[]): Readable;
  tag(source: string, repo: string, tag?: string): Promise<void>;
  remove(ref: string, opts?: { force?: boolean; noprune?: boolean }): Promise<ImageDeleteItem[]>;
  prune(filters?: Map<string, string[]>): Promise<{ ImagesDeleted: ImageDeleteItem[]; SpaceReclaimed: number }>;
  /** Whether a build made another image from this one (dockerd's image children). */
  hasChildren(id: string): boolean;
  /** Stores an image from its config bytes (its layers already in `blobs`) and points the references at it. */
  addImage(configBytes: Buffer, tags: ImageReference[], digests: ImageReference[], parent?: string): Promise<{ record: ImageRecord; changed: boolean }>;
  /** `docker commit`: the new image's id. */
  commit(req: CommitRequest): Promise<string>;
  /** `GET /distribution/{name}/json`. */
  inspectDistribution(name: string, credentials: RegistryCredentials | undefined): Promise<DistributionInspect>;
  /** `POST /auth`: checks the credentials against the registry. */
  login(body: AuthConfigBody): Promise<AuthResponse>;
  /** Content-addressed layers, kept uncompressed so a layer's digest is its diff_id. */
  readonly blobs: LayerBlobs;
  /**
   * `GET /system/df`'s images: every image with its SharedSize and the containers using it (`containersUsing`
   * counts those the caller may see), and LayersSize, each layer counted once.
   */
  diskUsage(containersUsing: (imageId: string) => number): ImageDiskUsage;
}

/** What the core hands the store when it creates it, once the state store is there. */
export interface ImageStoreContext {
  /** The daemon's home; the store keeps its files under `home/images`. */
  home: string;
  /** The durable state; the store keeps its records under kind `image`. */
  store: StateStore;
  events: EventsBus;
  logger: Logger;
  /** The containers made from an image (rmi's conflicts, prune). */
  containersUsingImage(imageId: string): string[];
}

/** Cardinality one: the core creates the configured store's instance once the state store is ready. */
export interface ImageStoreRegistry {
  setImageStore(create: (ctx: ImageStoreContext) => ImageStore): void;
}

export type ProgressWriter = (message: Record<string, unknown>) => void;

export interface ImageRecord extends StoredRecord {
  /** `sha256:<hex>` of the config JSON bytes. */
  id: string;
  /** Familiar forms, as Docker prints them: `busybox:latest`, `127.0.0.1:5000/bb:1.0`. */
  repoTags: string[];
  /** `busybox@sha256:<manifest digest>` for pulled images. */
  repoDigests: string[];
  created: string;
  /** Uncompressed size of all layers. */
  size: number;
  config: ImageConfig;
  /** Uncompressed layer blob digests (equal to config.rootfs.diff_ids), lowest first. */
  layers: string[];
  hasLayers: boolean;
  lastTagTime?: string;
  /** The image a build step made this one from (dockerd's Parent): set for `docker build`'s images only. */
  parent?: string;
}

export interface StoredImage extends ImageSummary {
  record: ImageRecord;
}

export interface ImageDeleteItem { Untagged?: string; Deleted?: string }

export interface ImportOptions { repo?: string; tag?: string; changes?: string[]; message?: string; platform?: string; fromSrc?: string }

export interface ImageSummaryJson {
  Id: string;
  ParentId: string;
  RepoTags: string[];
  RepoDigests: string[];
  Created: number;
  Size: number;
  SharedSize: number;
  Labels: Record<string, string>;
  Containers: number;
}

export interface ImageDiskUsage {
  LayersSize: number;
  /** API < 1.44 clients read VirtualSize. */
  Images: (ImageSummaryJson & { VirtualSize: number })[];
}

export interface HistoryItemJson {
  Id: string;
  Created: number;
  CreatedBy: string;
  Tags: string[];
  Size: number;
  Comment: string;
}

export interface LayerIngestOptions {
  expectedDigest?: string;
  expectedDiffId?: string;
  /** The registry repository the blob comes from, remembered with its compressed form. */
  repository?: string;
  /** Called with the running count of raw (maybe compressed) bytes, for progress. */
  onRawBytes?: (bytes: number) => void;
}

export interface IngestedLayer {
  diffId: string;
  /** Uncompressed size. */
  size: number;
  rawDigest: string;
  rawBytes: number;
}

export interface LayerBlobs {
  /** Stores a layer tar (maybe gzip), answering its diff_id; the same content is stored once. */
  ingestLayer(source: AsyncIterable<Buffer> | Readable, opts?: LayerIngestOptions): Promise<IngestedLayer>;
  has(digest: string): boolean;
  size(digest: string): number;
}

/** The container fields `docker commit` reads (the core's container config has more). */
export interface CommittedContainerConfig {
  User: string;
  Env: string[];
  Cmd: string[] | null;
  Entrypoint: string[] | null;
  ExposedPorts?: Record<string, object>;
  Volumes: Record<string, object> | null;
  WorkingDir: string;
  Labels: Record<string, string>;
  StopSignal?: string;
  Healthcheck?: Record<string, unknown>;
}

export interface CommitRequest {
  containerId: string;
  /** The image the container was made from: the new image lies on its layers. */
  parentId: string;
  containerConfig: CommittedContainerConfig;
  /** The request body: config fields that replace the container's (dockerd's CreateImageConfig.Config). */
  bodyConfig: ContainerDefaults;
  changes: string[];
  author: string;
  comment: string;
  repo?: string;
  tag?: string;
  /** The container's writable layer as a layer tar (the backend's layerDiff). */
  layer: () => Promise<Readable>;
}

export interface DistributionInspect {
  Descriptor: { mediaType: string; digest: string; size: number };
  Platforms: Record<string, unknown>[];
}

export interface AuthConfigBody {
  username?: string;
  password?: string;
  serveraddress?: string;
  identitytoken?: string;
  registrytoken?: string;
}

export interface AuthResponse {
  Status: string;
  IdentityToken: string;
}
