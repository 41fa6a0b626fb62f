export * from './errors';
export * from './refs';
export * from './plugin';
export * from './services';
export * from './extension-points';
export * from './contracts/backend';
export * from './contracts/records';
export * from './contracts/store';
export * from './contracts/scheduler';
export * from './contracts/admission';
export * from './contracts/simulator';
export * from './contracts/ci';
export * from './contracts/http-routes';
export * from './contracts/pools';
export * from './archive';
export * from './signals';
/** Plugins validate their options with zod through the SDK, so they depend on one package only. */
export { z } from 'zod';
export { SDK_VERSION } from './version';
