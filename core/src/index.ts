export { startDaemon, type DaemonOptions, type RunningDaemon } from './daemon';
export { PluginHost } from './host/plugin-host';
export { loadPluginEntry, PluginLoadError } from './host/plugin-loader';
export { loadConfigFile, ConfigError } from './config/load-config';
