/** Moved to the SDK, where the networks plugin matches its filters too. */
export { matchesPattern } from '@sockerless/sdk';
