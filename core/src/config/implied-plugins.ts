import { coreBuilderExtensionPoint, coreImageStoreExtensionPoint, coreLogDriverExtensionPoint, coreNetworksExtensionPoint, coreVolumesExtensionPoint, type PluginEntry } from '@sockerless/sdk';
import { loadPluginEntry, type LoadedPlugin } from '../host/plugin-loader';

/** Plugins for what dockerd always has, added when a config lacks them (one listing the same id keeps its own). */
const IMPLIED: PluginEntry[] = [
  // Docker's `local` volume driver.
  'volumes-local',
  // HEALTHCHECK and restart policies, hooks on the container lifecycle.
  'health',
  'restart-policy',
  // Docker's resource limits and security settings (HostConfig's Memory, CapAdd, ...), a hook on the lifecycle too.
  'confinement',
  // Runs the cloud simulators other plugins register (sim-aws, ...) and owns their extension point.
  'simulators',
  // The workload agents' server the cloud backends hand out (coreServices.agents): nothing listens until asked.
  'agent-server',
  // `GET /internal/status`, which `sockerless status` prints: backends, containers per state, the boot's tree.
  'status',
  // Hands memory freed after a burst of requests back to the system (docs/api-coverage.md#the-fuzz-harness).
  'malloc-tune',
];

export async function withImpliedPlugins(plugins: LoadedPlugin[], configFile: string, configDir: string): Promise<LoadedPlugin[]> {
  const ids = new Set(plugins.map((p) => p.plugin.id));
  const missing = IMPLIED.filter((entry) => typeof entry === 'string' && !ids.has(entry));
  return [...plugins, ...await Promise.all(missing.map((entry) => loadPluginEntry(entry, configFile, configDir)))];
}

/** For a point with one contributor (image store, builder, networks, logs, volumes): its `defaultPlugin` unless one contributes. */
const DEFAULT_CONTRIBUTED = [coreImageStoreExtensionPoint, coreBuilderExtensionPoint, coreNetworksExtensionPoint, coreLogDriverExtensionPoint, coreVolumesExtensionPoint];

export async function impliedContributors(contributes: (pointId: string) => boolean, configFile: string, configDir: string): Promise<LoadedPlugin[]> {
  const missing = DEFAULT_CONTRIBUTED.filter((point) => point.defaultPlugin && !contributes(point.id));
  return Promise.all(missing.map((point) => loadPluginEntry(point.defaultPlugin!, configFile, configDir)));
}
