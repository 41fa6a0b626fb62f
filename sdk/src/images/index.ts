/**
 * Docker's image formats, for the image store plugin, the builder and their routes alike: reference
 * parsing (distribution/reference), image config and `--change`, layer application, registry auth headers
 * and the filters dockerd's image routes take. A backend author does not need this entry point.
 */
export * from './reference';
export * from './image-config';
export * from './layer-unpack';
export * from './decompress';
export * from './docker-filters';
export * from './registry-auth';
export type { ProgressWriter } from '../contracts/images';
