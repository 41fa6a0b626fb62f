/** The collection moved to the SDK, where the image store plugin uses it too. */
export { Collection } from '@sockerless/sdk';
