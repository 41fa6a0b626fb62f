export { startDaemon, type DaemonOptions, type RunningDaemon } from './daemon';
export { PluginHost } from './host/plugin-host';
export { loadPluginEntry, pluginPackageCandidates, PluginLoadError } from './host/plugin-loader';
export { withImpliedPlugins } from './config/implied-plugins';
export { defaultConfigFile, loadConfigFile, ConfigError } from './config/load-config';
// What `sockerless config check` runs of the boot without booting.
export { provideRootServices } from './host/root-services';
export { createRootLogger } from './host/services';
export { BackendConfigError, validateBackendInstances } from './engine/backend-instances';
