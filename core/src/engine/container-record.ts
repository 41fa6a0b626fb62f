import type { BoundPort, ContainerState, EndpointSettings, MountPoint, StoredRecord } from '@sockerless/sdk';

export type { ContainerState } from '@sockerless/sdk';

/** Docker's `Config` of a container, as inspect shows it. */
export interface ContainerConfig {
  Hostname: string;
  Domainname: string;
  User: string;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  ExposedPorts?: Record<string, object>;
  Tty: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  Env: string[];
  Cmd: string[] | null;
  Healthcheck?: Record<string, unknown>;
  Image: string;
  Volumes: Record<string, object> | null;
  WorkingDir: string;
  Entrypoint: string[] | null;
  OnBuild: null;
  Labels: Record<string, string>;
  StopSignal?: string;
  StopTimeout?: number;
  /** Given by clients of API < 1.44 (`--mac-address`): dockerd keeps it in Config. */
  MacAddress?: string;
}

/** Docker's `Mounts[]` entry, in the SDK where the volumes plugin makes them. */
export type { MountPoint };

/** One entry of `NetworkSettings.Networks`, as Docker's EndpointSettings (the networks contract's). */
export type { EndpointSettings };

/** The stored container document. Field names follow Docker's inspect where they map one to one. */
export interface ContainerRecord extends StoredRecord {
  id: string;
  /** With the leading slash, as Docker stores it. */
  name: string;
  created: string;
  /** The image reference as given at create. */
  image: string;
  imageId: string;
  path: string;
  args: string[];
  config: ContainerConfig;
  hostConfig: Record<string, unknown> & { AutoRemove?: boolean; RestartPolicy?: { Name: string; MaximumRetryCount?: number }; NetworkMode?: string; Memory?: number };
  mounts: MountPoint[];
  networks: Record<string, EndpointSettings>;
  state: ContainerState;
  restartCount: number;
  /** Docker's HasBeenManuallyStopped (stop/kill set it, start clears it): `unless-stopped` stays down at boot. */
  manuallyStopped?: boolean;
  /** The published ports as the backend bound them, while the container runs. */
  ports?: BoundPort[];
  /** The backend instance that runs it, for life. */
  backend: string;
  pool: string;
}
