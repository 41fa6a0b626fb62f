/** Moved to the SDK, where the plugins that own a Docker object (networks, volumes) read their request bodies too. */
export { objectList, stringMap } from '@sockerless/sdk';
