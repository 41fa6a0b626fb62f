import type { BoundPort, CommittedContainerConfig, ContainerState, EndpointSettings, MountPoint, StoredRecord } from '@sockerless/sdk';

export type { ContainerState, EndpointSettings, MountPoint } from '@sockerless/sdk';

/** Docker's `Config` of a container, as inspect shows it: what `docker commit` reads (the SDK's), and the rest. */
export interface ContainerConfig extends CommittedContainerConfig {
  Hostname: string;
  Domainname: string;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  Tty: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  Image: string;
  OnBuild: null;
  StopTimeout?: number;
  /** Given by clients of API < 1.44 (`--mac-address`): dockerd keeps it in Config. */
  MacAddress?: string;
}

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
