import type { VolumeStore } from '@sockerless/sdk';
import type { ImageConfigView } from './create-spec';

/** What the container engine needs from the image service (kept narrow so the engine tests stay small). */
export interface ImageLookup {
  resolve(ref: string): { id: string; repoTags: string[]; record: { config: { config?: ImageConfigView } } };
  rootfsPath(imageId: string): string | undefined;
}

export type VolumeAccess = Pick<VolumeStore, 'mountRequests' | 'mountPoints' | 'removeAnonymous'>;
