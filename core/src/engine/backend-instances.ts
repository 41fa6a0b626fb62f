import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { noopTracer, type BackendDriverFactory, type BackendInstanceConfig, type Logger, type SockerlessConfig, type Tracer } from '@sockerless/sdk';
import { BackendGateway } from './backend-gateway';
import type { CoreRegistries } from '../host/registries';

export class BackendConfigError extends Error {}

/** A configured backend instance: its driver behind the gateway, the core's only way to it. */
export type BackendInstance = BackendGateway;

/** A configured backend instance whose driver is registered and whose options passed the driver's schema. */
export interface ValidatedBackend {
  name: string;
  kind: string;
  factory: BackendDriverFactory;
  options: Record<string, unknown>;
}

/**
 * The configured backend instances (`backends: { name: { driver, options } }`), or one instance per registered
 * driver kind when the config names none, each checked as the boot checks it: the driver is registered by a
 * configured plugin, and the options pass the driver's schema. `sockerless config check` runs this too.
 */
export async function validateBackendInstances(config: SockerlessConfig, registries: CoreRegistries): Promise<ValidatedBackend[]> {
  const declared: Record<string, BackendInstanceConfig> = config.backends ?? Object.fromEntries([...registries.drivers.keys()].map((kind) => [kind, { driver: kind }]));
  const out: ValidatedBackend[] = [];
  for (const [name, spec] of Object.entries(declared)) {
    const entry = registries.drivers.get(spec.driver);
    if (!entry) {
      const known = [...registries.drivers.keys()].join(', ') || 'none';
      throw new BackendConfigError(`backend '${name}': driver '${spec.driver}' is not registered by any configured plugin (registered: ${known})`);
    }
    let options: unknown = spec.options ?? {};
    if (entry.factory.optionsSchema) {
      const result = await entry.factory.optionsSchema['~standard'].validate(options);
      if (result.issues) {
        const issue = result.issues[0];
        const path = (issue.path ?? []).map((p) => String(typeof p === 'object' ? p.key : p)).join('.');
        throw new BackendConfigError(`backend '${name}' (driver '${spec.driver}' from plugin '${entry.pluginId}'): invalid option '${path || '(options)'}': ${issue.message}`);
      }
      options = result.value;
    }
    out.push({ name, kind: spec.driver, factory: entry.factory, options: options as Record<string, unknown> });
  }
  return out;
}

/** Instantiates the validated backend instances, each with its own state dir under the home. */
export async function createBackendInstances(config: SockerlessConfig, registries: CoreRegistries, home: string, logger: Logger, tracer: Tracer = noopTracer): Promise<Map<string, BackendInstance>> {
  const out = new Map<string, BackendInstance>();
  const wrap = registries.interceptors.backendDriver;
  for (const { name, kind, factory, options } of await validateBackendInstances(config, registries)) {
    const stateDir = join(home, 'backends', name);
    mkdirSync(stateDir, { recursive: true });
    const driver = await factory.create({ instanceName: name, options, stateDir, logger: logger.child({ backend: name }), tracer });
    // Every call the core makes into the driver goes through the tracing plugin's wrapper, when there is one.
    out.set(name, new BackendGateway(name, kind, wrap ? wrap(driver, name) : driver, stateDir));
  }
  return out;
}

export function pickDefaultBackend(config: SockerlessConfig, instances: Map<string, BackendInstance>): string | undefined {
  if (config.defaultBackend) {
    if (!instances.has(config.defaultBackend)) throw new BackendConfigError(`defaultBackend '${config.defaultBackend}' is not a configured backend`);
    return config.defaultBackend;
  }
  return instances.keys().next().value;
}
