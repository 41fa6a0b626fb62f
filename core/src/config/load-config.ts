import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import type { SockerlessConfig } from '@sockerless/sdk';
import { lazyJiti, requireCompiled } from '../host/module-import';

export class ConfigError extends Error {}

const listenUrl = z.string().regex(/^(unix:\/\/.+|tcp:\/\/[^:]+:\d+)$/, 'expected unix://PATH or tcp://HOST:PORT');

const configSchema = z.object({
  listen: z.array(listenUrl).optional(),
  plugins: z.array(z.unknown()),
  backends: z.record(z.string(), z.object({ driver: z.string(), options: z.record(z.string(), z.unknown()).optional() })).optional(),
  defaultBackend: z.string().optional(),
  /** dockerd's `bip` and `default-address-pools`, handed to the networks plugin (its network-addressing.ts). */
  networks: z.object({
    bip: z.string().optional(),
    defaultAddressPools: z.array(z.object({ base: z.string(), size: z.number().int() })).optional(),
  }).optional(),
  /** Listeners of the simulators plugins register, by simulator name. */
  simulators: z.record(z.string(), z.strictObject({
    listen: z.string().regex(/^tcp:\/\/[^:]+:\d+$/, 'expected tcp://HOST:PORT').optional(),
  })).optional(),
  /** dockerd's --tls, --tlsverify, --tlscacert, --tlscert, --tlskey for the tcp:// listeners (see listener-security.ts). */
  tls: z.strictObject({
    enabled: z.boolean().optional(),
    verify: z.boolean().optional(),
    cacert: z.string().min(1).optional(),
    cert: z.string().min(1).optional(),
    key: z.string().min(1).optional(),
    insecureTcp: z.boolean().optional(),
  }).optional(),
}).passthrough();

export interface LoadedConfig {
  config: SockerlessConfig;
  file: string;
  dir: string;
}

/** The embedded default is `sockerless.config.ts` at the repository root (two levels above core/dist). */
export function defaultConfigFile(): string {
  return resolve(__dirname, '..', '..', '..', 'sockerless.config.ts');
}

/** Loads a TypeScript config with jiti, a CommonJS one with require, and validates its top-level shape. */
export async function loadConfigFile(file: string): Promise<LoadedConfig> {
  const abs = resolve(file);
  if (!existsSync(abs)) throw new ConfigError(`config file not found: ${abs}`);
  const jiti = lazyJiti(abs, { interopDefault: true, moduleCache: false });
  let loaded: unknown;
  try {
    const compiled = requireCompiled(abs, true) as { default?: unknown } | undefined;
    loaded = compiled === undefined ? await jiti().import(abs, { default: true }) : compiled.default ?? compiled;
  } catch (err) {
    throw new ConfigError(`config ${abs}: ${(err as Error).message}`);
  }
  return { config: validateConfig(loaded, abs), file: abs, dir: dirname(abs) };
}

export function validateConfig(value: unknown, file: string): SockerlessConfig {
  const parsed = configSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`config ${file}: option '${issue.path.join('.') || '(root)'}': ${issue.message}`);
  }
  return parsed.data as SockerlessConfig;
}
