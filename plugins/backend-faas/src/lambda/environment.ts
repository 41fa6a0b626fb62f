import { InvalidArgumentError } from '@sockerless/sdk';
import { LAMBDA_LIMITS } from './options';

/** Names Lambda sets itself and refuses in a function's configuration (AWS Lambda developer guide). */
const RESERVED = new Set([
  '_HANDLER', '_X_AMZN_TRACE_ID', 'AWS_DEFAULT_REGION', 'AWS_REGION', 'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME', 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE', 'AWS_LAMBDA_LOG_GROUP_NAME', 'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API', 'LAMBDA_TASK_ROOT', 'LAMBDA_RUNTIME_DIR',
]);

/** Lambda's pattern for a variable name: a letter, then at least one letter, digit or underscore. */
const NAME = /^[a-zA-Z][a-zA-Z0-9_]+$/;

/**
 * Docker's `NAME=value` list as Lambda's `Environment.Variables`, refusing (with the name) what Lambda would
 * refuse, so `docker run -e` fails at create with the reason rather than with a bare AWS error.
 */
export function lambdaEnvironment(env: string[]): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const entry of env) {
    const eq = entry.indexOf('=');
    const name = eq < 0 ? entry : entry.slice(0, eq);
    const value = eq < 0 ? '' : entry.slice(eq + 1);
    if (!NAME.test(name)) {
      throw new InvalidArgumentError(`Lambda refuses the environment variable name '${name}': it must match [a-zA-Z][a-zA-Z0-9_]+`);
    }
    if (RESERVED.has(name)) {
      throw new InvalidArgumentError(`the environment variable ${name} is reserved by Lambda and cannot be set on a function`);
    }
    variables[name] = value;
  }
  const size = Object.entries(variables).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  if (size > LAMBDA_LIMITS.maxEnvironmentBytes) {
    throw new InvalidArgumentError(`the container's environment is ${size} bytes; Lambda allows at most ${LAMBDA_LIMITS.maxEnvironmentBytes}`);
  }
  return variables;
}
