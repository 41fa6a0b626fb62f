export { validateAgainstSpec, validateResponse, formatErrors } from '../../core/test/support/spec-schema';
