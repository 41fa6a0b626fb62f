/** The request-body shape checks moved to the SDK, where the volumes plugin reads `HostConfig.Mounts` with them. */
export { objectList, stringMap } from '@sockerless/sdk';
