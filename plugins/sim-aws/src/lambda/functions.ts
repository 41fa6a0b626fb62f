import { createHash, randomUUID } from 'node:crypto';
import type { SimContext } from '../context';
import { AwsError } from '../errors';

/**
 * Lambda functions as the simulator stores them: only image functions, only `$LATEST` (no versions or aliases),
 * validated the way the real service validates CreateFunction / UpdateFunctionConfiguration.
 */

export interface ImageConfig {
  EntryPoint?: string[];
  Command?: string[];
  WorkingDirectory?: string;
}

export interface LambdaFunction {
  name: string;
  arn: string;
  role: string;
  description: string;
  imageUri: string;
  imageConfig: ImageConfig;
  timeout: number;
  memorySize: number;
  environment: Record<string, string>;
  tags: Record<string, string>;
  lastModified: string;
  revisionId: string;
  codeSha256: string;
  /** Epoch ms until which the function reports State Pending (options.startDelayMs after a create). */
  pendingUntil: number;
}

/** Set by Lambda itself; a function may not define them (the real service's list). */
const RESERVED_ENV = new Set([
  '_HANDLER', '_X_AMZN_TRACE_ID', 'AWS_DEFAULT_REGION', 'AWS_REGION', 'AWS_EXECUTION_ENV', 'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_LAMBDA_FUNCTION_VERSION', 'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME', 'AWS_LAMBDA_LOG_STREAM_NAME', 'AWS_ACCESS_KEY', 'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_LAMBDA_RUNTIME_API', 'LAMBDA_TASK_ROOT', 'LAMBDA_RUNTIME_DIR',
]);
const ENV_KEY = /^[a-zA-Z][a-zA-Z0-9_]+$/;
const ENV_LIMIT_BYTES = 4096;
const NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const ROLE = /^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/;
/** A function name, a partial ARN (`<acct>:function:<name>`) or a full ARN, each with an optional `:<qualifier>`. */
const FUNCTION_REF = /^(?:arn:aws[a-zA-Z-]*:lambda:([a-z]{2}(?:-gov)?-[a-z]+-\d):)?(?:(\d{12}):)?(?:function:)?([a-zA-Z0-9_-]+)(?::(\$LATEST|[a-zA-Z0-9_-]+))?$/;

function invalid(message: string): AwsError {
  return new AwsError('InvalidParameterValueException', message);
}

/** A request field outside its model constraint (range, pattern): Lambda's front end answers ValidationException. */
function constraint(message: string): AwsError {
  return new AwsError('ValidationException', `1 validation error detected: ${message}`);
}

function stringArray(value: unknown, field: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw invalid(`${field} must be a list of strings`);
  return value;
}

function stringMap(value: unknown, field: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid(`${field} must be a map of strings`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v !== 'string') throw invalid(`${field}.${k} must be a string`);
    out[k] = v;
  }
  return out;
}

function intInRange(value: unknown, field: string, min: number, max: number, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    if (typeof value === 'number' && value < min) throw constraint(`Value '${value}' at '${field}' failed to satisfy constraint: Member must have value greater than or equal to ${min}`);
    if (typeof value === 'number' && value > max) throw constraint(`Value '${value}' at '${field}' failed to satisfy constraint: Member must have value less than or equal to ${max}`);
    throw invalid(`${field} must be a whole number between ${min} and ${max}, not ${JSON.stringify(value)}`);
  }
  return value;
}

function parseImageConfig(value: unknown): ImageConfig {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object') throw invalid('ImageConfig must be an object');
  const raw = value as Record<string, unknown>;
  const config: ImageConfig = {};
  const entryPoint = stringArray(raw.EntryPoint, 'ImageConfig.EntryPoint');
  const command = stringArray(raw.Command, 'ImageConfig.Command');
  if (entryPoint) config.EntryPoint = entryPoint;
  if (command) config.Command = command;
  if (raw.WorkingDirectory !== undefined && raw.WorkingDirectory !== null) {
    if (typeof raw.WorkingDirectory !== 'string') throw invalid('ImageConfig.WorkingDirectory must be a string');
    if (raw.WorkingDirectory !== '') config.WorkingDirectory = raw.WorkingDirectory;
  }
  return config;
}

function parseEnvironment(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  const vars = stringMap((value as Record<string, unknown>).Variables, 'Environment.Variables');
  const reserved = Object.keys(vars).filter((k) => RESERVED_ENV.has(k));
  if (reserved.length > 0) {
    throw invalid('Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ' + reserved.join(', '));
  }
  const badKey = Object.keys(vars).find((k) => !ENV_KEY.test(k));
  if (badKey !== undefined) {
    throw constraint(`Value at 'environment.variables' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+] (key: ${badKey})`);
  }
  const measured = JSON.stringify(vars);
  if (Buffer.byteLength(measured) > ENV_LIMIT_BYTES) {
    throw invalid(`Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ${measured}`);
  }
  return vars;
}

function parseRole(value: unknown): string {
  if (typeof value !== 'string' || value === '') throw invalid("The role defined for the function cannot be assumed by Lambda: Role is required");
  if (!ROLE.test(value)) throw constraint(`Value '${value}' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+`);
  return value;
}

/** Lambda's LastModified format: `2024-01-31T12:00:00.000+0000`. */
function lambdaTimestamp(ms = Date.now()): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

export interface FunctionReference {
  name: string;
  qualifier?: string;
}

export class FunctionStore {
  private readonly functions = new Map<string, LambdaFunction>();

  constructor(private readonly ctx: SimContext) {
    const saved = ctx.persist.load<{ functions?: LambdaFunction[] }>('lambda');
    for (const fn of saved?.functions ?? []) this.functions.set(fn.name, { ...fn, pendingUntil: 0 });
  }

  /** Parses `name`, `name:qualifier`, a partial or a full ARN (region and account must be this simulator's). */
  parseReference(ref: string, qualifier?: string | null): FunctionReference {
    const match = FUNCTION_REF.exec(ref);
    if (!match || match[3].length > 64) {
      throw constraint(`Value '${ref}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?`);
    }
    const [, region, account, name, inlineQualifier] = match;
    if ((region && region !== this.ctx.options.region) || (account && account !== this.ctx.options.accountId)) {
      throw new AwsError('ResourceNotFoundException', `Function not found: ${ref}`, 404);
    }
    const q = qualifier || inlineQualifier;
    if (qualifier && inlineQualifier && qualifier !== inlineQualifier) {
      throw invalid('The derived qualifier from the function name does not match the specified qualifier.');
    }
    return q ? { name, qualifier: q } : { name };
  }

  arnOf(name: string): string {
    return this.ctx.arn('lambda', `function:${name}`);
  }

  /** The function, or ResourceNotFoundException; only `$LATEST` exists (this simulator publishes no versions). */
  get(ref: string, qualifier?: string | null): LambdaFunction {
    const { name, qualifier: q } = this.parseReference(ref, qualifier);
    const fn = this.functions.get(name);
    const arn = this.arnOf(name) + (q ? `:${q}` : '');
    if (!fn || (q !== undefined && q !== '$LATEST')) throw new AwsError('ResourceNotFoundException', `Function not found: ${arn}`, 404);
    return fn;
  }

  /** By ARN, for the tagging API (which takes only ARNs). */
  getByArn(arn: string): LambdaFunction {
    if (!arn.startsWith('arn:')) throw constraint(`Value '${arn}' at 'resource' failed to satisfy constraint: Member must be an ARN`);
    return this.get(arn);
  }

  list(): LambdaFunction[] {
    return [...this.functions.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  create(input: Record<string, unknown>): LambdaFunction {
    const name = input.FunctionName;
    if (typeof name !== 'string' || !NAME.test(name)) {
      // A full ARN is a valid FunctionName for CreateFunction too; keep only its name.
      const ref = typeof name === 'string' ? this.parseReference(name) : undefined;
      if (!ref || ref.qualifier) throw constraint(`Value '${String(name)}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+`);
      return this.create({ ...input, FunctionName: ref.name });
    }
    const packageType = input.PackageType ?? 'Zip';
    if (packageType !== 'Image') {
      throw invalid(`PackageType ${String(packageType)} is not supported: only Image package type is supported by this simulator (Code.ImageUri)`);
    }
    const code = (input.Code ?? {}) as Record<string, unknown>;
    if (code.ZipFile !== undefined || code.S3Bucket !== undefined) throw invalid('Please don\'t provide ZipFile or S3 code for Image package type: only Image package type is supported by this simulator');
    const imageUri = this.checkImage(code.ImageUri);
    const role = parseRole(input.Role);
    if (this.functions.has(name)) throw new AwsError('ResourceConflictException', `Function already exist: ${name}`, 409);
    const now = Date.now();
    const fn: LambdaFunction = {
      name,
      arn: this.arnOf(name),
      role,
      description: typeof input.Description === 'string' ? input.Description : '',
      imageUri,
      imageConfig: parseImageConfig(input.ImageConfig),
      timeout: intInRange(input.Timeout, 'timeout', 1, 900, 3),
      memorySize: intInRange(input.MemorySize, 'memorySize', 128, 10240, 128),
      environment: parseEnvironment(input.Environment),
      tags: stringMap(input.Tags, 'Tags'),
      lastModified: lambdaTimestamp(now),
      revisionId: randomUUID(),
      codeSha256: createHash('sha256').update(imageUri).digest('hex'),
      pendingUntil: now + this.ctx.options.startDelayMs,
    };
    this.functions.set(name, fn);
    this.changed();
    return fn;
  }

  updateConfiguration(fn: LambdaFunction, input: Record<string, unknown>): LambdaFunction {
    if (typeof input.RevisionId === 'string' && input.RevisionId !== fn.revisionId) {
      throw new AwsError('PreconditionFailedException', 'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id', 412);
    }
    // Validate everything before changing anything: a rejected update leaves the function as it was.
    const next: LambdaFunction = { ...fn };
    if (input.Role !== undefined) next.role = parseRole(input.Role);
    if (typeof input.Description === 'string') next.description = input.Description;
    if (input.Timeout !== undefined) next.timeout = intInRange(input.Timeout, 'timeout', 1, 900, fn.timeout);
    if (input.MemorySize !== undefined) next.memorySize = intInRange(input.MemorySize, 'memorySize', 128, 10240, fn.memorySize);
    if (input.Environment !== undefined) next.environment = parseEnvironment(input.Environment);
    if (input.ImageConfig !== undefined) next.imageConfig = parseImageConfig(input.ImageConfig);
    return this.replace(next);
  }

  updateCode(fn: LambdaFunction, input: Record<string, unknown>): LambdaFunction {
    if (input.ZipFile !== undefined || input.S3Bucket !== undefined) throw invalid('Please provide ImageUri: only Image package type is supported by this simulator');
    const imageUri = this.checkImage(input.ImageUri);
    return this.replace({ ...fn, imageUri, codeSha256: createHash('sha256').update(imageUri).digest('hex') });
  }

  tag(fn: LambdaFunction, tags: Record<string, string>): void {
    Object.assign(fn.tags, tags);
    this.changed();
  }

  untag(fn: LambdaFunction, keys: string[]): void {
    for (const key of keys) delete fn.tags[key];
    this.changed();
  }

  delete(fn: LambdaFunction): void {
    this.functions.delete(fn.name);
    this.changed();
  }

  isPending(fn: LambdaFunction): boolean {
    return Date.now() < fn.pendingUntil;
  }

  private replace(next: LambdaFunction): LambdaFunction {
    next.lastModified = lambdaTimestamp();
    next.revisionId = randomUUID();
    this.functions.set(next.name, next);
    this.changed();
    return next;
  }

  /** The image must exist in the image store, as Lambda checks that the ECR image exists. */
  private checkImage(value: unknown): string {
    if (typeof value !== 'string' || value === '') throw invalid('Code.ImageUri is required: only Image package type is supported by this simulator');
    try {
      this.ctx.images.resolve(value);
    } catch {
      throw invalid(`Source image ${value} does not exist. Provide a valid source image.`);
    }
    return value;
  }

  private changed(): void {
    this.ctx.persist.changed('lambda', () => ({ functions: [...this.functions.values()] }));
  }
}

/** The FunctionConfiguration the API returns. */
export function configurationOf(fn: LambdaFunction, pending: boolean): Record<string, unknown> {
  const imageConfig: Record<string, unknown> = {};
  if (fn.imageConfig.EntryPoint) imageConfig.EntryPoint = fn.imageConfig.EntryPoint;
  if (fn.imageConfig.Command) imageConfig.Command = fn.imageConfig.Command;
  if (fn.imageConfig.WorkingDirectory) imageConfig.WorkingDirectory = fn.imageConfig.WorkingDirectory;
  return {
    FunctionName: fn.name,
    FunctionArn: fn.arn,
    Role: fn.role,
    CodeSize: 0,
    Description: fn.description,
    Timeout: fn.timeout,
    MemorySize: fn.memorySize,
    LastModified: fn.lastModified,
    CodeSha256: fn.codeSha256,
    Version: '$LATEST',
    Environment: { Variables: { ...fn.environment } },
    TracingConfig: { Mode: 'PassThrough' },
    RevisionId: fn.revisionId,
    PackageType: 'Image',
    ImageConfigResponse: { ImageConfig: imageConfig },
    Architectures: ['x86_64'],
    EphemeralStorage: { Size: 512 },
    LoggingConfig: { LogFormat: 'Text', LogGroup: `/aws/lambda/${fn.name}` },
    ...(pending
      ? { State: 'Pending', StateReason: 'The function is being created.', StateReasonCode: 'Creating' }
      : { State: 'Active' }),
    LastUpdateStatus: 'Successful',
  };
}
