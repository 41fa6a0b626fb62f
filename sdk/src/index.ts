export * from './errors';
export * from './refs';
export * from './plugin';
export * from './services';
export * from './extension-points';
export * from './tracing';
export * from './contracts/backend';
export * from './contracts/resources';
export * from './contracts/records';
export * from './contracts/store';
export * from './contracts/scheduler';
export * from './contracts/admission';
export * from './contracts/simulator';
export * from './contracts/sandbox';
export * from './contracts/agent';
export * from './contracts/ci';
export * from './contracts/http-routes';
export * from './contracts/pools';
export * from './contracts/volumes';
export * from './contracts/images';
export * from './contracts/build';
export * from './archive';
export * from './layer-tar';
export * from './signals';
export * from './guard';
export * from './capabilities';
export * from './body-shapes';
/** Plugins validate their options with zod through the SDK, so they depend on one package only. */
export { z } from 'zod';
export { SDK_VERSION } from './version';
export { RecentSamples } from './samples';
export { isStaticElf } from './elf';
export {
  IDENTITY_TAG, identityTags, identityFromTags, encodeLabelChunks, decodeLabelChunks, type IdentityTagLimits, type TagLookup,
} from './cloud-identity';
export { cloudConnectionOptions, refineOneEndpoint, ONE_ENDPOINT_MESSAGE, SIMULATOR_CREDENTIALS, resolveCloudConnection, type CloudConnection } from './cloud-options';
export * from './cli';
export { Collection } from './collection';
