/** Docker's filter matching moved to the SDK, where the volumes plugin uses it too. */
export { matchesPattern } from '@sockerless/sdk';
