/** Moved to the SDK, where the networks and volumes plugins match their filters too. */
export { matchesPattern } from '@sockerless/sdk';
