import type { VolumeStore } from '@sockerless/sdk';
import type { ContainerRecord, EndpointSettings } from './container-record';
import type { ImageConfigView } from './create-spec';

/** What the container engine needs from the image service (kept narrow so the engine tests stay small). */
export interface ImageLookup {
  resolve(ref: string): { id: string; repoTags: string[]; record: { config: { config?: ImageConfigView } } };
  rootfsPath(imageId: string): string | undefined;
}

export type VolumeAccess = Pick<VolumeStore, 'mountRequests' | 'mountPoints' | 'removeAnonymous'>;

export interface NetworkAttach {
  attachOnCreate(networkMode: string, endpointsConfig: Record<string, any>, containerName: string, containerId: string): Record<string, EndpointSettings>;
  releaseOnRemove(container: ContainerRecord): void;
  emitEndpointEvents(container: ContainerRecord, action: 'connect' | 'disconnect'): void;
  byId(networkId: string): { id: string; internal: boolean; pools: { subnet: string }[] } | undefined;
  /** Only user-defined networks resolve container names (the default bridge does not, as in Docker). */
  isUserDefined(networkId: string): boolean;
}

export type { ContainerRecord };
